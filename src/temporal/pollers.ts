// How many activity polls a worker keeps open. Each open poll holds an activity slot, and the SDK
// reserves a slot for eager execution (the server handing a just-scheduled activity back in the
// workflow task's completion, with no trip through the task queue) only when one is left free. With
// the default (min(10, slots) polls) every slot was held by a poll, so eager execution never
// happened and each activity waited for the task queue: 35–50 ms between scheduled and started on a
// warm dev server (BENCHMARKS.md, 2026-11-26). A quarter of the slots poll; the rest stay free for
// eager execution and for the tasks the polls bring.
import type { WorkerOptions } from '@temporalio/worker';

type PollerBehavior = NonNullable<WorkerOptions['activityTaskPollerBehavior']>;

export function activityPollerBehavior(activitySlots: number): PollerBehavior {
  return { type: 'simple-maximum', maximum: Math.max(1, Math.floor(activitySlots / 4)) };
}
