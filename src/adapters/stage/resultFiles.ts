// Names of a run's result files under an output path on the stage. A part file's name is a pure
// function of (run, worker, chunk), so a retried publish replaces its own files, and retention can
// tell one run's files from another's in a path that several runs append to.

export const SUCCESS_FILE = '_SUCCESS';

export type FileFormat = 'parquet' | 'csv';

export const successKey = (path: string) => `${path}/${SUCCESS_FILE}`;

export const partFileName = (runId: string, worker: number, chunk: number, format: FileFormat) =>
  `part-${runId}-${String(worker).padStart(3, '0')}-${String(chunk).padStart(6, '0')}.${format}`;

const PART = /^part-(.+)-(\d{3,})-(\d{6,})\.(parquet|csv)$/;

/** The run a part file belongs to, or undefined for any other file. */
export function runOfPartFile(key: string): string | undefined {
  return PART.exec(key.slice(key.lastIndexOf('/') + 1))?.[1];
}

const CHUNK_OUTPUT = /\/output\/(\d+)\/(\d+)\.parquet$/;

/** Worker and chunk of a chunk output key (runs/<runId>/output/<worker>/<chunk>.parquet). */
export function chunkOfOutputKey(key: string): { worker: number; chunk: number } | undefined {
  const m = CHUNK_OUTPUT.exec(key);
  return m ? { worker: Number(m[1]), chunk: Number(m[2]) } : undefined;
}
