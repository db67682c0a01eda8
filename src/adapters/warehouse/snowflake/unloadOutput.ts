// The rows COPY INTO @stage ... DETAILED_OUTPUT = TRUE answers: one per file written (FILE_NAME,
// FILE_SIZE, ROW_COUNT). Keys are read whatever their case, since a driver or a result-format setting
// may return them lower-cased; rows reported unloaded with no file named is a failure, never "no input".
import path from 'node:path';
import { NonRetryableError } from '../../../nonRetryableError.js';
import type { StagedFile } from '../warehouse.js';
import type { Row } from './connection.js';

/** Snowflake said it unloaded rows but no file came back: scoring nothing would look like success. */
export class UnloadOutputError extends NonRetryableError {
  constructor(
    readonly rowsReported: number,
    readonly columns: string[],
  ) {
    super(
      `Snowflake reported ${rowsReported} rows unloaded but named no file (columns returned: ${columns.join(', ') || 'none'}); ` +
        'expected FILE_NAME, FILE_SIZE and ROW_COUNT from DETAILED_OUTPUT = TRUE: check the driver version and report this',
    );
  }
}

/** A row's value under `key`, matched case-insensitively. */
function field(row: Row, key: string): unknown {
  const found = Object.keys(row).find((k) => k.toUpperCase() === key);
  return found === undefined ? undefined : row[found];
}

export function stagedFilesFromUnload(rows: Row[], prefix: string): StagedFile[] {
  const files: StagedFile[] = [];
  let unnamedRows = 0;
  for (const row of rows) {
    const name = field(row, 'FILE_NAME');
    // Without DETAILED_OUTPUT (or from an older format) the count comes as ROWS_UNLOADED.
    const count = Number(field(row, 'ROW_COUNT') ?? field(row, 'ROWS_UNLOADED') ?? 0);
    if (name) {
      files.push({ key: `${prefix}/${path.posix.basename(String(name))}`, bytes: Number(field(row, 'FILE_SIZE')), rows: count });
    } else {
      unnamedRows += count;
    }
  }
  if (unnamedRows > 0) throw new UnloadOutputError(unnamedRows, Object.keys(rows[0] ?? {}));
  return files.sort((a, b) => a.key.localeCompare(b.key));
}
