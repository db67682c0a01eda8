// The run's side of the tenant queue: ask the tenant's slots workflow for a slot, starting it when
// it is not running. Workflows cannot signalWithStart, so this small activity does it for them.
import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import {
  acquireSlotSignal,
  acquireSlotUpdate,
  releaseSlotSignal,
  SLOTS_WORKFLOW_TYPE,
  slotsWorkflowId,
  type SlotHolder,
} from '../workflows/slots/contract.js';
import type { TenantSlotsState } from '../workflows/slots/contract.js';
import type { ActivityContext } from './deps.js';

export const DEFAULT_MAX_CONCURRENT_JOBS = 3;

export interface RequestSlotInput extends SlotHolder {
  tenant: string;
  submittedAt: number;
}

export function makeRequestSlot(ctx: ActivityContext) {
  return async function requestSlot({ tenant, runId, executionId, submittedAt }: RequestSlotInput): Promise<void> {
    const { client, info } = Context.current();
    const limit = ctx.maxConcurrentJobs ?? DEFAULT_MAX_CONCURRENT_JOBS;
    const initial: TenantSlotsState = { tenant, limit, holders: [], waiting: [] };
    await client.workflow.signalWithStart(SLOTS_WORKFLOW_TYPE, {
      workflowId: slotsWorkflowId(info.taskQueue, tenant),
      taskQueue: info.taskQueue,
      args: [initial],
      signal: acquireSlotSignal,
      signalArgs: [{ runId, executionId, submittedAt, limit }],
      memo: { tenant },
    });
  };
}

/**
 * requestSlot as an Update-with-Start: the same request, answered with whether the slot was granted at
 * once. A run that need not wait then goes on in the workflow task that asked, instead of waiting for
 * the grant signal and a further workflow task (about 100 ms of every run's time in `submitted`).
 */
export function makeRequestSlotNow(ctx: ActivityContext) {
  return async function requestSlotNow({ tenant, runId, executionId, submittedAt }: RequestSlotInput): Promise<{ granted: boolean }> {
    const { client, info } = Context.current();
    const limit = ctx.maxConcurrentJobs ?? DEFAULT_MAX_CONCURRENT_JOBS;
    const initial: TenantSlotsState = { tenant, limit, holders: [], waiting: [] };
    try {
      return await client.workflow.executeUpdateWithStart(acquireSlotUpdate, {
        args: [{ runId, executionId, submittedAt, limit }],
        startWorkflowOperation: new WithStartWorkflowOperation(SLOTS_WORKFLOW_TYPE, {
          workflowId: slotsWorkflowId(info.taskQueue, tenant),
          taskQueue: info.taskQueue,
          args: [initial],
          memo: { tenant },
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      });
    } catch (err) {
      // A slots workflow on a worker of an older release has no such Update (a rolling deploy): ask the old
      // way; the grant then arrives as a signal.
      if (!(err instanceof WorkflowUpdateFailedError)) throw err;
      await makeRequestSlot(ctx)({ tenant, runId, executionId, submittedAt });
      return { granted: false };
    }
  };
}

/**
 * Gives the run's slot back with one signal from this worker, as a local activity: the run closes in the
 * same workflow task instead of waiting for the server to confirm a signal it sent itself (one more
 * workflow task at the end of every run).
 */
export function makeReleaseSlot() {
  return async function releaseSlot({ tenant, runId, executionId }: SlotHolder & { tenant: string }): Promise<void> {
    const { client, info } = Context.current();
    try {
      await client.workflow.getHandle(slotsWorkflowId(info.taskQueue, tenant)).signal(releaseSlotSignal, { runId, executionId });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err; // no slots workflow: nothing is held
    }
  };
}

/** Which of these executions are still running (the slots workflow drops the others). */
export function makeOpenRuns() {
  return async function openRuns({ runs }: { runs: SlotHolder[] }): Promise<SlotHolder[]> {
    const { client } = Context.current();
    const open: SlotHolder[] = [];
    for (const run of runs) {
      try {
        const description = await client.workflow.getHandle(run.runId, run.executionId).describe();
        if (description.status.name === 'RUNNING') open.push(run);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    }
    return open;
  };
}
