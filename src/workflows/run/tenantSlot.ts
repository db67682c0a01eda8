// The run's side of its tenant's queue (BATCH_MAX_CONCURRENT_JOBS): ask for a slot, wait in `submitted`
// until it is granted (in order of submission), and give it back however the run ends.
import { CancellationScope, condition, getExternalWorkflowHandle, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { releaseSlotSignal, slotGrantedSignal, slotsWorkflowId, type SlotHolder } from '../slots/contract.js';
import { releaseSlot, requestSlot, requestSlotNow } from './activities.js';

/** patched() id: the slot is released by a local activity (runs before it signalled and awaited the server's confirmation). */
export const LOCAL_SLOT_RELEASE = 'local-slot-release';
/** patched() id: the slot is asked for with an Update whose answer may grant it at once (runs before signalled and waited for a grant signal). */
export const SLOT_BY_UPDATE = 'slot-by-update';

export function tenantSlot(tenant: string, run: SlotHolder) {
  let granted = false;
  setHandler(slotGrantedSignal, () => {
    granted = true;
  });
  return {
    async acquire(submittedAt: number): Promise<void> {
      if (patched(SLOT_BY_UPDATE)) {
        const answer = await requestSlotNow({ tenant, ...run, submittedAt });
        if (answer.granted) granted = true;
      } else {
        await requestSlot({ tenant, ...run, submittedAt });
      }
      await condition(() => granted);
    },
    /** Frees the slot (or leaves the queue); the next waiting run starts. */
    async release(): Promise<void> {
      // A workflow's own signal is confirmed in a further workflow task; a local activity's is not waited for.
      if (patched(LOCAL_SLOT_RELEASE)) {
        await CancellationScope.nonCancellable(() => releaseSlot({ tenant, ...run })).catch(() => {});
        return;
      }
      await CancellationScope.nonCancellable(() =>
        getExternalWorkflowHandle(slotsWorkflowId(workflowInfo().taskQueue, tenant)).signal(releaseSlotSignal, run),
      ).catch(() => {}); // no slots workflow: nothing is held
    },
  };
}
