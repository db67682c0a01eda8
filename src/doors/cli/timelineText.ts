// What `batch-inference logs` prints for people: a run's timeline, one line per phase, step and chunk.
import type { ActivityTimeline, RunTimeline } from '../../client/runTimeline.js';

/** Seconds since the run started, so a reader sees where the time went. */
function offset(start: string, at: string | null): string {
  if (!at) return '-';
  return `+${((Date.parse(at) - Date.parse(start)) / 1000).toFixed(3)}s`;
}

function took(a: { startedAt: string | null; scheduledAt?: string; closedAt: string | null }): string {
  const from = a.startedAt ?? a.scheduledAt;
  if (!from || !a.closedAt) return '';
  return ` (${((Date.parse(a.closedAt) - Date.parse(from)) / 1000).toFixed(3)}s)`;
}

function activityLine(start: string, label: string, a: ActivityTimeline): string[] {
  const retries = a.attempts > 1 ? ` after ${a.attempts - 1} retr${a.attempts === 2 ? 'y' : 'ies'}` : '';
  const lines = [
    `  ${label.padEnd(16)} ${offset(start, a.scheduledAt).padStart(10)}  ${a.outcome}${took(a)}  attempt ${a.attempts}${retries}${a.worker ? `  on ${a.worker}` : ''}`,
  ];
  if (a.retriedAfter) lines.push(`  ${''.padEnd(16)} ${''.padStart(10)}  retried after: ${a.retriedAfter}`);
  if (a.error) lines.push(`  ${''.padEnd(16)} ${''.padStart(10)}  error: ${a.error}`);
  return lines;
}

export function timelineText(t: RunTimeline): string {
  const lines = [
    `run ${t.runId} (execution ${t.executionId})${t.tenant ? `  tenant ${t.tenant}` : ''}`,
    `${t.outcome}  started ${t.startedAt}${t.closedAt ? `  closed ${t.closedAt} (${offset(t.startedAt, t.closedAt)})` : ''}`,
    '',
    'phases',
    ...t.phases.map((p) => `  ${p.state.padEnd(16)} ${offset(t.startedAt, p.at).padStart(10)}  ${p.at}`),
    '',
    'steps',
    ...t.steps.flatMap((s) => activityLine(t.startedAt, s.name, s)),
  ];
  for (const s of t.slices) {
    const done = s.chunks.filter((c) => c.outcome === 'completed').length;
    lines.push(
      '',
      `worker ${s.slice}  ${s.workflowId}  ${s.outcome}${s.executions > 1 ? `  ${s.executions} executions (continue-as-new)` : ''}  ${done}/${s.chunks.length} chunks completed`,
    );
    if (s.error) lines.push(`  error: ${s.error}`);
    for (const c of s.chunks)
      lines.push(
        ...activityLine(
          t.startedAt,
          c.chunkEnd !== undefined && c.chunkEnd > c.chunk + 1 ? `chunks ${c.chunk}–${c.chunkEnd - 1}` : `chunk ${c.chunk}`,
          c,
        ),
      );
  }
  lines.push('', `retries ${t.retries}  history events ${t.events}`);
  if (t.cancellation)
    lines.push(
      `cancellation requested ${offset(t.startedAt, t.cancellation.requestedAt)} (${t.cancellation.requestedAt})${t.cancellation.by ? ` by ${t.cancellation.by}` : ''}${t.cancellation.reason ? `: ${t.cancellation.reason}` : ''}`,
    );
  if (t.error) lines.push(`error: ${t.error}`);
  return lines.join('\n');
}
