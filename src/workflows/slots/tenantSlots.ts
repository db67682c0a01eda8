// One tenant's concurrency slots (BATCH_MAX_CONCURRENT_JOBS): a long-lived workflow that queues runs
// in the order they ask and lets at most `limit` of them past `submitted` at once. Runs reach it with
// signalWithStart (from their requestSlot activity) and release their slot however they end; runs
// that vanish without releasing (terminated, reset) are found by a periodic check of who holds a slot.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import {
  acquireSlotSignal,
  acquireSlotUpdate,
  releaseSlotSignal,
  slotGrantedSignal,
  slotsQuery,
  type SlotHolder,
  type SlotRequest,
  type TenantSlotsState,
} from './contract.js';

const { openRuns } = proxyActivities<Activities>({ startToCloseTimeout: '1m', retry: { maximumAttempts: 3 } });

/** While runs wait, check this often that every holder is still open. */
const HOLDER_CHECK_EVERY = '30 seconds';
/** With nothing held or waiting for this long, the workflow ends; the next request starts it again. */
const IDLE_FOR = '10 minutes';
/** Signals and grants are a few events each: continue-as-new long before the history grows. */
const MAX_HISTORY = 2000;

const same = (a: SlotHolder, b: SlotHolder) => a.runId === b.runId && a.executionId === b.executionId;

export async function tenantSlots(initial: TenantSlotsState): Promise<void> {
  const state: TenantSlotsState = { ...initial, holders: [...initial.holders], waiting: [...initial.waiting] };
  let changed = true;
  /** Whether to ask Temporal which holders are still open before waiting again. */
  let checkHolders = false;

  const enqueue = ({ runId, executionId, submittedAt, limit }: SlotRequest) => {
    const run = { runId, executionId, submittedAt };
    state.limit = limit;
    // A retried request is not a second place in the queue.
    if (!state.holders.some((h) => same(h, run)) && !state.waiting.some((w) => same(w, run))) {
      const before = state.waiting.findIndex((w) => w.submittedAt > submittedAt);
      state.waiting.splice(before === -1 ? state.waiting.length : before, 0, run);
    }
    // Someone has to wait: make sure every slot is really taken.
    if (state.holders.length >= state.limit) checkHolders = true;
    changed = true;
  };
  setHandler(acquireSlotSignal, enqueue);
  setHandler(acquireSlotUpdate, (request) => {
    enqueue(request);
    const run = { runId: request.runId, executionId: request.executionId };
    if (state.holders.some((h) => same(h, run))) return { granted: true }; // a retried request
    // First in line with a slot free: granted in the answer, exactly as the loop below would grant it.
    if (state.holders.length < state.limit && same(state.waiting[0], run)) {
      state.waiting.shift();
      state.holders.push(run);
      return { granted: true };
    }
    return { granted: false };
  });
  setHandler(releaseSlotSignal, (run) => {
    state.holders = state.holders.filter((h) => !same(h, run));
    state.waiting = state.waiting.filter((w) => !same(w, run));
    changed = true;
  });
  setHandler(slotsQuery, () => state);

  for (;;) {
    while (state.waiting.length > 0 && state.holders.length < state.limit) {
      const { runId, executionId } = state.waiting.shift()!;
      const next = { runId, executionId };
      state.holders.push(next);
      try {
        await getExternalWorkflowHandle(next.runId, next.executionId).signal(slotGrantedSignal);
      } catch {
        state.holders = state.holders.filter((h) => !same(h, next)); // it closed while it waited
      }
    }
    if (workflowInfo().historyLength > MAX_HISTORY || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof tenantSlots>(state);
    }

    if (checkHolders && state.waiting.length > 0) {
      // Drop holders that closed without releasing (terminated, reset); their slots go to the next runs.
      checkHolders = false;
      const open = await openRuns({ runs: state.holders });
      state.holders = state.holders.filter((h) => open.some((o) => same(o, h)));
      continue;
    }

    changed = false;
    const idle = state.holders.length === 0 && state.waiting.length === 0;
    const someoneWaits = state.waiting.length > 0;
    const signalled =
      idle || someoneWaits ? await condition(() => changed, idle ? IDLE_FOR : HOLDER_CHECK_EVERY) : (await condition(() => changed), true);
    if (signalled) continue;
    if (idle) {
      await condition(allHandlersFinished);
      // A request may land in the same workflow task as the idle timer: then it is not idle after all.
      if (state.holders.length === 0 && state.waiting.length === 0) return;
      continue;
    }
    checkHolders = true; // runs still wait after a while: look again
  }
}
