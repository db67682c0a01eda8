// Retention (BATCH_RESULT_TTL_HOURS): what a run leaves on the stage — its staged input and output
// under runs/<runId>/ and, for file destinations, its part files under the output path — is deleted
// once the run has been closed for longer than the TTL. Open runs are never touched. Leftovers in
// .scratch/ (writes interrupted by a crash) go by their age.
import { runOfPartFile, successKey } from '../adapters/stage/resultFiles.js';
import { manifestKey, runPrefix, type Stage, type StagedObject } from '../adapters/stage/stage.js';
import type { RunManifest } from '../planning/manifest.js';

/** What Temporal knows of a run: open, closed at a time, or nothing (never known, or past its retention). */
export type RunStatus = { open: true } | { open: false; closedAt: Date } | undefined;

export interface CleanupInput {
  stage: Stage;
  /** Runs closed before this (and leftovers last written before it) are deleted. */
  cutoff: Date;
  runStatus(runId: string): Promise<RunStatus>;
  /** Called after each run looked at (activities heartbeat here). */
  progress?(done: number): void;
}

export interface CleanupResult {
  runsDeleted: string[];
  resultFilesDeleted: number;
  scratchDeleted: number;
}

const newest = (objects: StagedObject[]): Date | undefined =>
  objects.reduce<Date | undefined>((max, o) => (o.modifiedAt && (!max || o.modifiedAt > max) ? o.modifiedAt : max), undefined);

/** Objects grouped by the path segment after `prefix` (a run id, a scratch entry). */
function groupBy(objects: StagedObject[], prefix: string): Map<string, StagedObject[]> {
  const groups = new Map<string, StagedObject[]>();
  for (const o of objects) {
    const name = o.key.slice(prefix.length).split('/')[0];
    if (!name) continue;
    groups.set(name, [...(groups.get(name) ?? []), o]);
  }
  return groups;
}

export async function cleanupExpired({ stage, cutoff, runStatus, progress }: CleanupInput): Promise<CleanupResult> {
  const result: CleanupResult = { runsDeleted: [], resultFilesDeleted: 0, scratchDeleted: 0 };
  let done = 0;
  for (const [runId, objects] of groupBy(await stage.list('runs/'), 'runs/')) {
    progress?.(++done);
    const status = await runStatus(runId);
    if (status?.open) continue;
    // Closed: its close time. Unknown to Temporal (its history is past the namespace's retention, or
    // it came from elsewhere): the last time anything of it was written.
    const age = status ? status.closedAt : newest(objects);
    if (!age || age >= cutoff) continue;
    const manifest = await stage.getJson<RunManifest>(manifestKey(runId));
    const path = manifest?.spec.outputDestination !== 'table' ? manifest?.spec.outputPath : undefined;
    if (path) result.resultFilesDeleted += await deleteResultFiles(stage, path, runId);
    await stage.deletePrefix(runPrefix(runId));
    result.runsDeleted.push(runId);
  }
  for (const [entry, objects] of groupBy(await stage.list('.scratch/'), '.scratch/')) {
    const age = newest(objects);
    if (age && age < cutoff) {
      await stage.deletePrefix(`.scratch/${entry}`);
      result.scratchDeleted += objects.length;
    }
  }
  return result;
}

/** The run's part files in an output path, and the path's _SUCCESS when it is this run's or nothing is left. */
async function deleteResultFiles(stage: Stage, path: string, runId: string): Promise<number> {
  const objects = await stage.list(`${path}/`);
  const mine = objects.filter((o) => runOfPartFile(o.key) === runId);
  for (const o of mine) await stage.deletePrefix(o.key);
  const othersLeft = objects.some((o) => runOfPartFile(o.key) !== undefined && runOfPartFile(o.key) !== runId);
  const success = await stage.getJson<{ runId?: string }>(successKey(path)).catch(() => undefined);
  if (success && (success.runId === runId || !othersLeft)) {
    await stage.deletePrefix(successKey(path));
    return mine.length + 1;
  }
  return mine.length;
}
