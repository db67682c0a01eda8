// The stage: where a run's input, output and manifest live between activities.
// Keys are '/'-separated paths under the stage root, e.g. runs/<runId>/output/3/17.parquet.
import { mapLimit } from './mapLimit.js';

export interface StagedObject {
  key: string;
  size: number;
  /** When the object was last written, where the stage can tell (retention uses it for leftovers). */
  modifiedAt?: Date;
}

export interface LocalCopy {
  path: string;
  /** Deletes the local copy when it was downloaded; a no-op for a local stage. */
  release(): Promise<void>;
}

export interface Stage {
  describe(): string;
  /**
   * Its objects cross a network (S3): files put there are worth compressing. A local folder's are not.
   * A stage that does not say counts as remote.
   */
  readonly remote?: boolean;
  list(prefix: string): Promise<StagedObject[]>;
  /** The object's size, or undefined when there is no object at `key`. */
  stat(key: string): Promise<StagedObject | undefined>;
  getJson<T>(key: string): Promise<T | undefined>;
  putJson(key: string, value: unknown): Promise<void>;
  /**
   * Writes `key` only when no object is there, in one step that a concurrent writer cannot interleave
   * (the model registry's immutable versions). True when written, false when an object was there.
   */
  putJsonIfAbsent(key: string, value: unknown): Promise<boolean>;
  /** A local file path from which DuckDB can read the object. */
  localCopy(key: string): Promise<LocalCopy>;
  /** A fresh local path to write a file that putFile will then move to the stage. */
  scratchPath(name: string): Promise<string>;
  /** Moves a local file to `key`, replacing any object there in one step. */
  putFile(localPath: string, key: string): Promise<void>;
  /**
   * A local folder whose files become the objects under `prefix` when `commit` runs. Whatever was under
   * `prefix` before is replaced, so a retried export never mixes old and new files.
   */
  writeFolder(prefix: string): Promise<{ dir: string; commit(): Promise<void>; discard(): Promise<void> }>;
  deletePrefix(prefix: string): Promise<void>;
}

export const runPrefix = (runId: string) => `runs/${runId}`;
export const inputPrefix = (runId: string) => `${runPrefix(runId)}/input`;
export const outputPrefix = (runId: string) => `${runPrefix(runId)}/output`;
export const manifestKey = (runId: string) => `${runPrefix(runId)}/manifest.json`;
/** A pure function of (run, worker, chunk): a retried chunk replaces its own file. */
export const chunkOutputKey = (runId: string, worker: number, chunk: number) =>
  `${outputPrefix(runId)}/${worker}/${String(chunk).padStart(6, '0')}.parquet`;

/**
 * Local copies of several objects, a few at a time, in the order of keys. If one cannot be had, the
 * copies already made are released before the error is thrown: a failed attempt leaves no downloads.
 */
export async function localCopies(stage: Stage, keys: readonly string[], concurrency = 8): Promise<LocalCopy[]> {
  const made: LocalCopy[] = [];
  try {
    return await mapLimit(keys, concurrency, async (key) => {
      const copy = await stage.localCopy(key);
      made.push(copy);
      return copy;
    });
  } catch (err) {
    await Promise.all(made.map((c) => c.release().catch(() => {})));
    throw err;
  }
}
