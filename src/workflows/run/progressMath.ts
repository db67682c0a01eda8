// Pure arithmetic behind the progress query. Deterministic: times come from the workflow clock.
import type { RunState } from './contract.js';

/** Slices signal progress at most this many times in all, to keep the parent's history short. */
const MAX_PROGRESS_SIGNALS = 1000;

/** How many chunks a slice scores between progress signals. */
export function progressEvery(slices: number): (sliceChunks: number) => number {
  const perSlice = Math.max(1, Math.floor(MAX_PROGRESS_SIGNALS / Math.max(1, slices)));
  return (sliceChunks) => Math.max(1, Math.ceil(sliceChunks / perSlice));
}

export interface EstimateInput {
  state: RunState;
  runningSince?: number;
  lastProgressAt: number;
  processedRows: number;
  totalRows: number | null;
  completedAt?: number;
}

/** Straight-line estimate from the scoring rate so far; null until there is a rate to go on. */
export function estimateCompletion(e: EstimateInput): string | null {
  if (e.state === 'completed' && e.completedAt) return new Date(e.completedAt).toISOString();
  if (e.state !== 'running' || !e.runningSince || !e.totalRows || e.processedRows <= 0) return null;
  const elapsed = Math.max(1, e.lastProgressAt - e.runningSince);
  const remaining = ((e.totalRows - e.processedRows) * elapsed) / e.processedRows;
  return new Date(e.lastProgressAt + remaining).toISOString();
}
