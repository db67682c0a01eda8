// A Python model's artifact: its folder (module, model.joblib, helpers, requirements.txt) packed into
// one deterministic tar at registration, and unpacked in the worker's cache after its sha256 check.
// Both run pythonArchive.py with the models' interpreter (Python's tarfile, with the 'data' filter on
// extraction): the archive on the stage is hostile input, checked entry by entry before anything is written.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { NonRetryableError } from '../../nonRetryableError.js';
import { boundReport, DEFAULT_UNPACK_LIMITS, ModelArchiveTooLargeError, type UnpackLimits } from './pythonArchiveBounds.js';

const SCRIPT = fileURLToPath(new URL('./pythonArchive.py', import.meta.url));

/** A folder that cannot be packed, or an archive that is refused (absolute paths, '..', links, devices). */
export class PythonArchiveError extends NonRetryableError {
  constructor(
    readonly archive: string,
    readonly action: 'pack' | 'unpack',
    readonly problem: string,
  ) {
    super(
      action === 'pack'
        ? `cannot archive the Python model folder ${archive}: ${problem}`
        : `refused to unpack the Python model archive ${archive}: ${problem}; register the model again from its folder`,
    );
  }
}

function run(
  python: string,
  args: string[],
  subject: string,
  action: 'pack' | 'unpack',
  limits: UnpackLimits,
  /** Who a bound breach names: the model's name@version, or the folder being registered. */
  model: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const bounds = [String(limits.maxBytes), String(limits.maxEntries)];
    execFile(python, [SCRIPT, ...args, ...bounds], { maxBuffer: 1024 * 1024 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const bound = boundReport(String(stderr));
      if (bound) return reject(new ModelArchiveTooLargeError(model, bound.limit, bound.bound, bound.found, bound.where));
      const problem = String(stderr).trim().split('\n').pop() || err.message;
      reject(new PythonArchiveError(subject, action, problem));
    });
  });
}

/** Packs `folder` into the tar file `out` (same folder, same bytes); a folder over the unpack bounds is refused first. */
export async function packPythonModel(python: string, folder: string, out: string, limits = DEFAULT_UNPACK_LIMITS): Promise<void> {
  await run(python, ['pack', folder, out], folder, 'pack', limits, folder);
}

/**
 * Unpacks `archive` into `destination` (a folder that must not exist yet). Extracted beside it first and
 * renamed into place, so a half-extracted folder is never used, and another worker process unpacking the
 * same verified archive at the same time is harmless: the first rename wins and the other's copy goes.
 */
export async function unpackPythonModel(
  python: string,
  archive: string,
  destination: string,
  options: { limits?: UnpackLimits; model?: string } = {},
): Promise<void> {
  const part = `${destination}.${process.pid}-${randomUUID()}.part`;
  try {
    await run(python, ['unpack', archive, part], archive, 'unpack', options.limits ?? DEFAULT_UNPACK_LIMITS, options.model ?? archive);
    await fs.rename(part, destination).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    });
  } finally {
    await fs.rm(part, { recursive: true, force: true });
  }
}
