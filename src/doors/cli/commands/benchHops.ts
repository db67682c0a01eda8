// The bench's view of a run's task hops: for every workflow task and activity of the run and its
// slice children, the time between "scheduled" and "started" in the server's history. This is the
// time a task waits for a worker to pick it up, the fixed cost that small runs and small chunks pay.
import type { Client, WorkflowHandle } from '@temporalio/client';

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];
/** temporal.api.enums.v1.EventType values (stable API numbers; the proto package is not a dependency of ours). */
const EventType = {
  EVENT_TYPE_WORKFLOW_TASK_SCHEDULED: 5,
  EVENT_TYPE_WORKFLOW_TASK_STARTED: 6,
  EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: 10,
  EVENT_TYPE_ACTIVITY_TASK_STARTED: 11,
  EVENT_TYPE_ACTIVITY_TASK_COMPLETED: 12,
} as const;

export interface HopGaps {
  /** Scheduled → started of each workflow task (ms). */
  workflowTasks: number[];
  /** Scheduled → started of each activity attempt (ms). */
  activities: number[];
  /** Started → completed of the activities, summed (ms): the work done inside them. */
  activityWorkMs: number;
}

const ms = (t: HistoryEvent['eventTime']) => Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);

export function gapsOf(events: HistoryEvent[]): HopGaps {
  const scheduledAt = new Map<number, number>();
  const startedAt = new Map<number, number>();
  const gaps: HopGaps = { workflowTasks: [], activities: [], activityWorkMs: 0 };
  for (const e of events) {
    const id = Number(e.eventId);
    if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED || e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      scheduledAt.set(id, ms(e.eventTime));
    } else if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED) {
      const at = scheduledAt.get(Number(e.workflowTaskStartedEventAttributes?.scheduledEventId));
      if (at !== undefined) gaps.workflowTasks.push(ms(e.eventTime) - at);
    } else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      const at = scheduledAt.get(Number(e.activityTaskStartedEventAttributes?.scheduledEventId));
      if (at !== undefined) gaps.activities.push(ms(e.eventTime) - at);
      startedAt.set(id, ms(e.eventTime));
    } else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
      const at = startedAt.get(Number(e.activityTaskCompletedEventAttributes?.startedEventId));
      if (at !== undefined) gaps.activityWorkMs += ms(e.eventTime) - at;
    }
  }
  return gaps;
}

export interface RunHops extends HopGaps {
  /**
   * Time inside activities on the run's critical path: the run's own (prepare, export, publish) plus
   * the busiest slice's chunks. The end-to-end time minus this is the run's fixed cost.
   */
  criticalWorkMs: number;
}

/** The gaps of a run (its workflow and each slice child's latest execution). */
export async function runHopGaps(client: Client, runId: string, slices: number): Promise<RunHops> {
  const all: RunHops = { workflowTasks: [], activities: [], activityWorkMs: 0, criticalWorkMs: 0 };
  let busiestSlice = 0;
  for (const [i, id] of [runId, ...Array.from({ length: slices }, (_, w) => `${runId}-worker-${w}`)].entries()) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    const gaps = gapsOf(history.events ?? []);
    all.workflowTasks.push(...gaps.workflowTasks);
    all.activities.push(...gaps.activities);
    all.activityWorkMs += gaps.activityWorkMs;
    if (i === 0) all.criticalWorkMs += gaps.activityWorkMs;
    else busiestSlice = Math.max(busiestSlice, gaps.activityWorkMs);
  }
  all.criticalWorkMs += busiestSlice;
  return all;
}

export function describeGaps(label: string, gaps: number[]): string {
  if (gaps.length === 0) return `${label}: none`;
  const sorted = [...gaps].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
  return `${label}: ${gaps.length} hops, median ${at(0.5)} ms, mean ${mean.toFixed(1)} ms, p90 ${at(0.9)} ms, max ${sorted[sorted.length - 1]} ms`;
}
