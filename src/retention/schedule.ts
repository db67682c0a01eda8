// The retention schedule: every hour, a cleanupResults workflow on this task queue. Created (or brought
// up to date) by `serve`, `worker` and `dev` at startup; any number of them may do it at once.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Config } from '../config.js';
import { CLEANUP_WORKFLOW_TYPE } from '../workflows/retention/contract.js';

export const cleanupScheduleId = (taskQueue: string) => `batch-inference-cleanup/${taskQueue}`;

export async function ensureCleanupSchedule(client: Client, config: Config): Promise<string> {
  const { taskQueue } = config.temporal;
  const scheduleId = cleanupScheduleId(taskQueue);
  const action = {
    type: 'startWorkflow' as const,
    workflowType: CLEANUP_WORKFLOW_TYPE,
    taskQueue,
    workflowId: scheduleId,
    args: [{ ttlHours: config.resultTtlHours }],
  };
  try {
    await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1h' }] },
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      memo: { purpose: 'batch-inference retention (BATCH_RESULT_TTL_HOURS)' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    // It exists: keep its spec and state, carry the current TTL.
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, action }));
  }
  return scheduleId;
}
