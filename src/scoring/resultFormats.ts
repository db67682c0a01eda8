// Turns a chunk's staged parquet output into a result file in the requested format.
import fs from 'node:fs/promises';
import { quoteLiteral } from '../spec/identifiers.js';
import type { FileFormat } from '../adapters/stage/resultFiles.js';
import { withEngine } from '../adapters/localEngine/localEngine.js';

/** Writes `target` (a local path) from the parquet file at `source`: a copy, or CSV with a header row. */
export async function writeResultFile(source: string, target: string, format: FileFormat): Promise<void> {
  if (format === 'parquet') {
    await fs.copyFile(source, target);
    return;
  }
  await withEngine((conn) =>
    conn.run(`COPY (SELECT * FROM read_parquet(${quoteLiteral(source)})) TO ${quoteLiteral(target)} (FORMAT csv, HEADER true)`),
  );
}
