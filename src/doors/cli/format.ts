// What the CLI prints for people: a progress line and a run summary.
import { MIN_CHUNK_ROWS } from '../../planning/chunks.js';
import type { Progress, RunSummary } from '../../workflows/run/contract.js';

const int = (n: number) => n.toLocaleString('en-US');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

export function progressLine(p: Progress, width = 30): string {
  const filled = Math.round((p.percentage / 100) * width);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  const rows = p.totalRows === null ? '' : ` ${int(p.processedRows)}/${int(p.totalRows)} rows`;
  const chunks = p.chunksTotal === null ? '' : ` · chunks ${p.chunksDone}/${p.chunksTotal}`;
  const eta =
    p.estimatedCompletion && p.state === 'running' ? ` · eta ${secs(Math.max(0, Date.parse(p.estimatedCompletion) - Date.now()))}` : '';
  const workers = p.workers ? ` · ${p.workers} worker${p.workers === 1 ? '' : 's'}${fewerWorkers(p.workers, p.workersRequested)}` : '';
  return `${p.state.padEnd(10)} ${bar} ${p.percentage.toFixed(1).padStart(5)}%${rows}${chunks}${workers}${eta}`;
}

/** Said whenever a run used fewer workers than its parallelWorkers asked for. */
export function fewerWorkers(used: number | null | undefined, requested: number | null | undefined): string {
  if (!used || !requested || used >= requested) return '';
  return ` (parallelWorkers ${requested}: the input was too small to give each worker a chunk of ${int(MIN_CHUNK_ROWS)} rows)`;
}

export function summaryText(s: RunSummary): string {
  const d = s.durations;
  const rate = d.totalMs > 0 ? Math.round((s.rowsIn / d.totalMs) * 1000) : 0;
  return [
    `run        ${s.runId}`,
    s.table ? `table      ${s.table}` : `${s.destination.padEnd(10)} ${s.path ?? s.topic}`,
    `rows       ${int(s.rowsIn)} in, ${int(s.rowsOut)} out (${int(rate)} rows/s end to end)`,
    `chunks     ${s.chunks} over ${s.workers} worker${s.workers === 1 ? '' : 's'}${fewerWorkers(s.workers, s.workersRequested)}`,
    `bytes      ${int(s.bytesIn)} staged in, ${int(s.bytesOut)} out`,
    `phases     preparing ${secs(d.preparingMs)} · running ${secs(d.runningMs)} · completing ${secs(d.completingMs)} · total ${secs(d.totalMs)}`,
  ].join('\n');
}
