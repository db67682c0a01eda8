// The run's side of its tenant's queue (BATCH_MAX_CONCURRENT_JOBS): ask for a slot, wait in `submitted`
// until it is granted (in order of submission), and give it back however the run ends.
import { CancellationScope, condition, getExternalWorkflowHandle, setHandler, workflowInfo } from '@temporalio/workflow';
import { releaseSlotSignal, slotGrantedSignal, slotsWorkflowId, type SlotHolder } from '../slots/contract.js';
import { requestSlot } from './activities.js';

export function tenantSlot(tenant: string, run: SlotHolder) {
  let granted = false;
  setHandler(slotGrantedSignal, () => {
    granted = true;
  });
  return {
    async acquire(submittedAt: number): Promise<void> {
      await requestSlot({ tenant, ...run, submittedAt });
      await condition(() => granted);
    },
    /** Frees the slot (or leaves the queue); the next waiting run starts. */
    async release(): Promise<void> {
      await CancellationScope.nonCancellable(() =>
        getExternalWorkflowHandle(slotsWorkflowId(workflowInfo().taskQueue, tenant)).signal(releaseSlotSignal, run),
      ).catch(() => {}); // no slots workflow: nothing is held
    },
  };
}
