// Queries, signals and names shared by the workflows, the activities and the doors (client, CLI, HTTP).
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Progress, ProgressSignal } from '../../shared/types.js';

export const progressQuery = defineQuery<Progress>('progress');
/** Sent by each slice workflow with its cumulative chunks and rows. */
export const sliceProgressSignal = defineSignal<[ProgressSignal]>('sliceProgress');

export const WORKFLOW_TYPE = 'batchInference';
export const SLICE_WORKFLOW_TYPE = 'scoreSlice';
export const SLOTS_WORKFLOW_TYPE = 'tenantSlots';
export const CLEANUP_WORKFLOW_TYPE = 'cleanupResults';

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
export const acquireSlotSignal = defineSignal<[SlotRequest]>('acquireSlot');
export const releaseSlotSignal = defineSignal<[SlotHolder]>('releaseSlot');
/** Sent by the slots workflow to the run it lets through. */
export const slotGrantedSignal = defineSignal('slotGranted');
export const slotsQuery = defineQuery<{ tenant: string; limit: number; holders: SlotHolder[]; waiting: (SlotHolder & { submittedAt: number })[] }>('slots');

/** One slots workflow per (task queue, tenant): a task queue is one deployment of workers. */
export const slotsWorkflowId = (taskQueue: string, tenant: string) => `batch-inference-slots/${taskQueue}/${tenant}`;

/**
 * Search attributes that let the HTTP API list a tenant's runs by state. Registered by `serve` (and
 * on every dev server we start); a run upserts BatchState only when it was started with BatchTenant,
 * so a namespace without them never sees an upsert it would reject.
 */
export const TENANT_ATTRIBUTE = 'BatchTenant';
export const STATE_ATTRIBUTE = 'BatchState';
