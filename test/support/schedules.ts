// Schedules in tests: trigger one now instead of waiting for its cron.
import type { Client } from '@temporalio/client';
import { until } from './wait.js';

/**
 * Triggers the Schedule now and returns the workflow it started. Two triggers in one second share a
 * workflow id (the Schedule appends the time in seconds), so the run id names the execution.
 */
export async function trigger(client: Client, scheduleId: string): Promise<{ workflowId: string; runId: string }> {
  const handle = client.schedule.getHandle(scheduleId);
  const before = (await handle.describe()).info.numActionsTaken;
  await handle.trigger();
  const action = await until(
    async () => {
      const info = (await handle.describe()).info;
      return info.numActionsTaken > before ? info.recentActions.at(-1) : undefined;
    },
    60_000,
    `an action of ${scheduleId}`,
  );
  return { workflowId: action.action.workflow.workflowId, runId: action.action.workflow.firstExecutionRunId };
}
