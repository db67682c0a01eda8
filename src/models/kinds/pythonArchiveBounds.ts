// How much a Python model archive may hold once unpacked (BATCH_MODEL_UNPACK_MB, BATCH_MODEL_UNPACK_FILES).
// The archive on the stage is hostile input: a tar of a few kilobytes can declare a sparse file of
// gigabytes, or hold a million empty entries, and unpacking it would fill the worker's disk.
// pythonArchive.py enforces the bounds (from the headers before writing, and again while writing) and
// reports a breach as one line, `Bound: {"limit", "bound", "found", "where"}`, read back here.
import { NonRetryableError } from '../../nonRetryableError.js';

export interface UnpackLimits {
  /** Bytes of files an archive may unpack to (BATCH_MODEL_UNPACK_MB). */
  maxBytes: number;
  /** Entries (files and folders) an archive may hold (BATCH_MODEL_UNPACK_FILES). */
  maxEntries: number;
}

export const DEFAULT_UNPACK_MB = 2048;
export const DEFAULT_UNPACK_FILES = 10_000;
export const DEFAULT_UNPACK_LIMITS: UnpackLimits = { maxBytes: DEFAULT_UNPACK_MB * 1024 * 1024, maxEntries: DEFAULT_UNPACK_FILES };

export const unpackLimits = (config: { modelUnpack: { maxMb: number; maxFiles: number } }): UnpackLimits => ({
  maxBytes: config.modelUnpack.maxMb * 1024 * 1024,
  maxEntries: config.modelUnpack.maxFiles,
});

/** Where the breach was found: a folder being registered, an archive's headers, or the bytes being written. */
export type BoundWhere = 'folder' | 'headers' | 'writing';

interface BoundReport {
  limit: 'bytes' | 'entries';
  bound: number;
  found: number;
  where: BoundWhere;
}

const mib = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

/** A Python model over BATCH_MODEL_UNPACK_MB or BATCH_MODEL_UNPACK_FILES: refused at registration, or not unpacked on a worker. */
export class ModelArchiveTooLargeError extends NonRetryableError {
  readonly setting: string;

  constructor(
    /** name@version on a worker; the folder given at registration. */
    readonly model: string,
    readonly limit: 'bytes' | 'entries',
    readonly bound: number,
    /** What was found when the bound was passed (in bytes, or entries counted so far). */
    readonly found: number,
    readonly where: BoundWhere,
  ) {
    const setting = limit === 'bytes' ? 'BATCH_MODEL_UNPACK_MB' : 'BATCH_MODEL_UNPACK_FILES';
    const boundText = limit === 'bytes' ? `${setting}=${bound / (1024 * 1024)} (${mib(bound)})` : `${setting}=${bound}`;
    const foundText =
      limit === 'bytes'
        ? where === 'writing'
          ? `it wrote more than ${mib(bound)} while unpacking`
          : `${where === 'folder' ? 'its files hold' : 'its headers declare at least'} ${mib(found)}`
        : `it holds more than ${bound} entries`;
    super(
      where === 'folder'
        ? `cannot register the Python model folder ${model}: ${foundText}, over ${boundText}, the bound a worker unpacks; leave data files out of the model folder, or raise ${setting} here and on the workers`
        : `model ${model}: refused to unpack its Python archive: ${foundText}, over ${boundText}; nothing of it was kept. If the model really is that large, raise ${setting} on the workers; otherwise register it again from its folder`,
    );
    this.setting = setting;
  }
}

/** The bound breach pythonArchive.py reported on stderr, if that is why it failed. */
export function boundReport(stderr: string): BoundReport | undefined {
  const line = stderr
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('Bound: '));
  if (!line) return undefined;
  try {
    const r = JSON.parse(line.slice('Bound: '.length)) as BoundReport;
    return (r.limit === 'bytes' || r.limit === 'entries') && Number.isFinite(r.bound) && Number.isFinite(r.found) ? r : undefined;
  } catch {
    return undefined;
  }
}
