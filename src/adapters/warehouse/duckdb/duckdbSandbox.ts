// The instance profiles of the DuckDB warehouse. User SQL (an export, a row count, a sensor's query)
// runs in an instance that cannot touch host files: external access off except the one folder the
// export writes to, and the configuration locked so the query cannot turn it back on. Our own
// bookkeeping (publishing staged parquet, checking a table) runs in a plain instance.
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteLiteral } from '../../../spec/identifiers.js';
import type { InstanceProfile } from './duckdbGate.js';

export const BOOKKEEPING: InstanceProfile = { key: 'bookkeeping' };

export interface SandboxOptions {
  useUtc: boolean;
  /** The only folder the SQL may write (and read back); none when absent. */
  writeDir?: string;
}

export function sandboxProfile({ useUtc, writeDir }: SandboxOptions): InstanceProfile {
  return {
    key: `sandbox:${useUtc ? 'utc' : 'local'}:${writeDir ?? ''}`,
    setup: async (conn: DuckDBConnection) => {
      // Settings a locked instance can no longer change, so they are made for the whole instance first.
      if (useUtc) await conn.run(`SET GLOBAL TimeZone = 'UTC'`);
      await conn.run('SET autoinstall_known_extensions = false');
      await conn.run('SET autoload_known_extensions = false');
      if (writeDir) {
        // The folder's own path (COPY TO a folder checks it) and everything inside it.
        await conn.run(`SET allowed_paths = [${quoteLiteral(writeDir)}]`);
        await conn.run(`SET allowed_directories = [${quoteLiteral(`${writeDir.replace(/\/+$/, '')}/`)}]`);
      }
      await conn.run('SET enable_external_access = false');
      await conn.run('SET lock_configuration = true');
    },
  };
}
