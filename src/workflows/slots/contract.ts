// The tenant queue's contract: how runs ask for, are granted and give back one of their tenant's
// slots (BATCH_MAX_CONCURRENT_JOBS), and what the slots workflow holds. Workflow-safe.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

export const SLOTS_WORKFLOW_TYPE = 'tenantSlots';

/** Runs started without a tenant (the CLI, the Temporal CLI) share this one. */
export const DEFAULT_TENANT = 'default';

/** One execution of a run, as the tenant's slots workflow knows it. */
export interface SlotHolder {
  runId: string;
  executionId: string;
}

export interface SlotRequest extends SlotHolder {
  /** When the run was submitted (epoch ms): the queue's order, whatever order the requests arrive in. */
  submittedAt: number;
  /** BATCH_MAX_CONCURRENT_JOBS of the worker that asked: the latest one wins. */
  limit: number;
}

export type WaitingRun = SlotHolder & { submittedAt: number };

export interface TenantSlotsState {
  tenant: string;
  limit: number;
  holders: SlotHolder[];
  /** Oldest submission first. */
  waiting: WaitingRun[];
}

export const acquireSlotSignal = defineSignal<[SlotRequest]>('acquireSlot');
/**
 * The same request as an Update: the answer says whether the slot was granted at once, so a run that does
 * not have to wait goes on in the same workflow task (no grant signal, no further task). A run told to
 * wait is granted with slotGrantedSignal as before.
 */
export const acquireSlotUpdate = defineUpdate<{ granted: boolean }, [SlotRequest]>('acquireSlotNow');
export const releaseSlotSignal = defineSignal<[SlotHolder]>('releaseSlot');
/** Sent by the slots workflow to the run it lets through. */
export const slotGrantedSignal = defineSignal('slotGranted');
export const slotsQuery = defineQuery<TenantSlotsState>('slots');

/** One slots workflow per (task queue, tenant): a task queue is one deployment of workers. */
export const slotsWorkflowId = (taskQueue: string, tenant: string) => `batch-inference-slots/${taskQueue}/${tenant}`;
