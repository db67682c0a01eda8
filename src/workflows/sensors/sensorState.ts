// The memory of one sensor: a long-lived workflow (`bi-sensor-<name>-state`) that every check reports
// to through the `observe` update. Updates run one at a time up to their first await, so the compare,
// the remember and the decision to start a run happen together: two checks that see the same new value
// start one run between them. The run is a child started from this workflow's own history, so a crash
// after the decision cannot lose it or start it twice.
import {
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  setHandler,
  startChild,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { ObserveRequest, SensorCheckOutcome, SensorRunTemplate, SensorState } from '../../sensors/types.js';
import { WORKFLOW_TYPE } from '../run/contract.js';
import { startAttributes } from '../run/searchAttributes.js';
import { DEFAULT_TENANT } from '../slots/contract.js';
import { observeUpdate, sensorRunWorkflowId, sensorStateQuery } from './contract.js';

/** History events after which the state continues as new (far below Temporal's limits). */
const HISTORY_LIMIT = 2_000;

export interface SensorStateInput {
  sensor: string;
  /** Carried over by continue-as-new. */
  state?: SensorState;
  /** History events before continuing as new (default 2,000); small in tests. */
  historyLimit?: number;
}

export async function sensorState(input: SensorStateInput): Promise<void> {
  const state: SensorState = input.state ?? { sensor: input.sensor, checks: 0, changes: 0 };

  setHandler(sensorStateQuery, () => state);
  publishMemo(state);
  setHandler(observeUpdate, async (request: ObserveRequest): Promise<SensorCheckOutcome> => {
    state.checks++;
    state.lastCheckAt = request.checkedAt;
    const observation = request.observation;
    if (!observation) {
      // A failed check: keep the last value, so the next good check compares against it.
      state.lastError = request.error ?? 'the check failed';
      publishMemo(state);
      return { changed: false, baseline: false };
    }
    if (state.lastObservedAt !== undefined && request.observedAt < state.lastObservedAt) {
      // This check began looking before the one that set the current value: it may have seen an
      // older value, which must not count as a change (nor undo the newer one).
      publishMemo(state);
      return { changed: false, baseline: false, stale: true, value: state.lastValue };
    }
    state.lastObservedAt = request.observedAt;
    state.lastError = undefined;
    state.lastSummary = observation.summary;
    if (observation.fingerprint === state.lastFingerprint) {
      publishMemo(state);
      return { changed: false, baseline: false, value: observation.value };
    }
    const baseline = state.lastFingerprint === undefined;
    state.lastFingerprint = observation.fingerprint;
    state.lastValue = observation.value;
    if (baseline) {
      // The first value seen is where watching starts; only later changes start runs.
      publishMemo(state);
      return { changed: false, baseline: true, value: observation.value };
    }
    state.changes++;
    const runId = sensorRunWorkflowId(state.sensor, state.changes, observation.fingerprint);
    state.lastRunId = runId;
    state.lastChangeAt = request.checkedAt;
    publishMemo(state);
    await startRun(request.sensor, observation.value, runId);
    return { changed: true, baseline: false, value: observation.value, runId };
  });

  const limit = input.historyLimit ?? HISTORY_LIMIT;
  await condition(() => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > limit);
  await condition(allHandlersFinished);
  await continueAsNew<typeof sensorState>({ ...input, state });
}

async function startRun(sensor: SensorRunTemplate, value: string, runId: string): Promise<void> {
  const ctx = { ...((sensor.run.ctx as Record<string, unknown> | undefined) ?? {}), [sensor.payloadKey]: value };
  try {
    await startChild(WORKFLOW_TYPE, {
      workflowId: runId,
      // The run is the sensor's tenant's: its database, its grants, its slots.
      args: sensor.tenant ? [{ ...sensor.run, ctx }, { tenant: sensor.tenant }] : [{ ...sensor.run, ctx }],
      // Listed under its tenant like a run started through the client (when deploy found the attributes).
      ...(sensor.listable ? { typedSearchAttributes: startAttributes(sensor.tenant ?? DEFAULT_TENANT) } : {}),
      // The run outlives this workflow's continue-as-new; it is not this workflow's to cancel.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      // The id names one change: a run that already exists for it is that change's run.
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      memo: {
        // Who may see and cancel it over HTTP (the client's describeRun reads it).
        tenant: sensor.tenant ?? DEFAULT_TENANT,
        sensor: sensor.name,
        project: sensor.project,
        eventName: sensor.eventName,
        payload: { [sensor.payloadKey]: value },
        outputTableName: sensor.run.outputTableName,
        predictor: sensor.run.predictor,
      },
      staticSummary: `${sensor.eventName}: ${sensor.payloadKey}=${value}`,
    });
  } catch (err) {
    if ((err as Error).name !== 'WorkflowExecutionAlreadyStartedError') throw err;
  }
}

/** The memo is what `sensors list` and the Web UI read, without a worker having to answer a query. */
function publishMemo(state: SensorState): void {
  // Fields left undefined clear their memo key (e.g. lastError after a good check).
  const { lastFingerprint: _fingerprint, ...visible } = state;
  upsertMemo(visible);
}
