// Queries and signals, shared by the workflows and the doors (client, CLI).
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Progress, ProgressSignal } from '../shared/types.js';

export const progressQuery = defineQuery<Progress>('progress');
/** Sent by each slice workflow with its cumulative chunks and rows. */
export const sliceProgressSignal = defineSignal<[ProgressSignal]>('sliceProgress');

export const WORKFLOW_TYPE = 'batchInference';
export const SLICE_WORKFLOW_TYPE = 'scoreSlice';
