// A run's story read back from Temporal: its workflow history and its scoreSlice children's (through
// every continue-as-new), turned into phases with times, steps, each chunk's attempts with the worker
// that ran it and its error, and the cancellation. What `batch-inference logs` and the HTTP API show.
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { RUN_STATES, type RunState } from '../workflows/run/contract.js';
import { STATE_KEY, TENANT_KEY } from '../workflows/run/searchAttributes.js';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
type HistoryEvent = NonNullable<History['events']>[number];
type ProtoFailure = {
  message?: string | null;
  cause?: ProtoFailure | null;
  applicationFailureInfo?: { type?: string | null } | null;
} | null;
type ProtoTimestamp = { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined;

/** How an activity (a step or a chunk) or a workflow ended; `running` while it has not. */
export type Outcome = 'scheduled' | 'running' | 'completed' | 'failed' | 'timedOut' | 'cancelled' | 'terminated' | 'continuedAsNew';

/** One activity as its history tells it: Temporal records the last attempt's worker and the error of the attempt before it. */
export interface ActivityTimeline {
  /** The activity type: prepareRun, exportInput, publishOutput, scoreChunk, … */
  name: string;
  scheduledAt: string;
  /** When the last attempt started (Temporal writes the start of a retried activity only when it ends). */
  startedAt: string | null;
  closedAt: string | null;
  outcome: Outcome;
  /** Attempts made (1 without retries); retries = attempts - 1. */
  attempts: number;
  /** The identity (pid@host) of the worker that ran the last attempt. */
  worker: string | null;
  /** Why it failed, timed out or was cancelled. */
  error?: string;
  /** The error of the attempt before the last one: why it was retried. */
  retriedAfter?: string;
}

/**
 * A chunk of one slice (worker), or a group of its consecutive chunks: runs since chunk groups score
 * `[chunk, chunkEnd)` in one scoreChunks activity; older runs, one chunk per scoreChunk activity.
 */
export interface ChunkEntry extends ActivityTimeline {
  slice: number;
  chunk: number;
  /** One past the group's last chunk that landed (a completed group), else absent. */
  chunkEnd?: number;
}

export interface SliceTimeline {
  slice: number;
  workflowId: string;
  /** Executions of the slice workflow: 1 + its continue-as-news. */
  executions: number;
  startedAt: string | null;
  closedAt: string | null;
  outcome: Outcome;
  error?: string;
  chunks: ChunkEntry[];
}

export interface PhaseMark {
  state: RunState;
  at: string;
}

export interface CancellationInfo {
  requestedAt: string;
  /** Who asked (the client's identity) and why, as Temporal recorded it. */
  by: string | null;
  reason: string | null;
}

export interface RunTimeline {
  runId: string;
  /** Temporal's run id of the execution shown (the latest under this workflow id). */
  executionId: string;
  tenant: string | null;
  startedAt: string;
  closedAt: string | null;
  outcome: Outcome;
  /** The run's states in order with the time it entered each. */
  phases: PhaseMark[];
  /** The run's own activities (prepareRun, exportInput, publish, clean-up), in order. */
  steps: ActivityTimeline[];
  slices: SliceTimeline[];
  /** Chunk attempts beyond the first, over all slices. */
  retries: number;
  cancellation?: CancellationInfo;
  error?: string;
  /** History events read (the run's and its children's). */
  events: number;
}

/** Histories of children fetched at once: a run may have up to 100 slices. */
const CHILD_FETCHES = 4;

/** Reads a run's timeline; throws WorkflowNotFoundError for an unknown run. */
export async function readRunTimeline(client: Client, runId: string): Promise<RunTimeline> {
  const handle = client.workflow.getHandle(runId);
  const description = await handle.describe();
  const history = await client.workflow.getHandle(runId, description.runId).fetchHistory();
  const events = history.events ?? [];
  const run = readRunEvents(runId, description.runId, events);

  const children = run.children;
  const slices: SliceTimeline[] = [];
  let next = 0;
  let eventCount = events.length;
  const fetchOne = async () => {
    while (next < children.length) {
      const child = children[next++]!;
      const read = await readSlice(client, child);
      eventCount += read.events;
      slices.push(read.slice);
    }
  };
  await Promise.all(Array.from({ length: CHILD_FETCHES }, fetchOne));
  slices.sort((a, b) => a.slice - b.slice);

  // An open run's chunks in flight: Temporal keeps their current attempt and last error outside history.
  await addPendingAttempts(client, slices);

  const retries = slices.reduce((sum, s) => sum + s.chunks.reduce((n, c) => n + Math.max(0, c.attempts - 1), 0), 0);
  return {
    runId,
    executionId: description.runId,
    tenant: run.tenant,
    startedAt: run.startedAt,
    closedAt: run.closedAt,
    outcome: run.outcome,
    phases: run.phases,
    steps: run.steps,
    slices,
    retries,
    ...(run.cancellation ? { cancellation: run.cancellation } : {}),
    ...(run.error ? { error: run.error } : {}),
    events: eventCount,
  };
}

interface ChildRef {
  slice: number;
  workflowId: string;
  runId: string | null;
  initiatedAt: string;
  outcome: Outcome;
  closedAt: string | null;
  error?: string;
}

function readRunEvents(runId: string, executionId: string, events: HistoryEvent[]) {
  let tenant: string | null = null;
  let startedAt = '';
  let closedAt: string | null = null;
  let outcome: Outcome = 'running';
  let error: string | undefined;
  let cancellation: CancellationInfo | undefined;
  const upserted: PhaseMark[] = [];
  const inferred: PhaseMark[] = [];
  const infer = (state: RunState, at: string) => {
    if (!inferred.some((p) => p.state === state)) inferred.push({ state, at });
  };
  const activities = new ActivityEvents();
  const children = new Map<string, ChildRef>(); // by initiated event id
  const childByWorkflowId = new Map<string, ChildRef>();

  for (const e of events) {
    const at = iso(e.eventTime as ProtoTimestamp) ?? '';
    const id = String(e.eventId ?? '');
    if (e.workflowExecutionStartedEventAttributes) {
      startedAt = at;
      const attrs = decodeFields(e.workflowExecutionStartedEventAttributes.searchAttributes?.indexedFields);
      const memo = decodeFields(e.workflowExecutionStartedEventAttributes.memo?.fields);
      const t = attrs[TENANT_KEY.name] ?? memo.tenant;
      tenant = typeof t === 'string' ? t : null;
      infer('submitted', at);
    } else if (e.upsertWorkflowSearchAttributesEventAttributes) {
      const state = decodeFields(e.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields)[STATE_KEY.name];
      if (typeof state === 'string' && (RUN_STATES as readonly string[]).includes(state)) upserted.push({ state: state as RunState, at });
    } else if (activities.take(e, at)) {
      const scheduled = e.activityTaskScheduledEventAttributes;
      const type = scheduled?.activityType?.name;
      if (type === 'prepareRun') infer('preparing', at);
      if (type === 'publishOutput' || type === 'publishFiles') infer('completing', at);
    } else if (e.startChildWorkflowExecutionInitiatedEventAttributes) {
      const a = e.startChildWorkflowExecutionInitiatedEventAttributes;
      infer('running', at);
      const workflowId = a.workflowId ?? '';
      const ref: ChildRef = {
        slice: sliceNumber(workflowId),
        workflowId,
        runId: null,
        initiatedAt: at,
        outcome: 'scheduled',
        closedAt: null,
      };
      children.set(id, ref);
      childByWorkflowId.set(workflowId, ref);
    } else if (e.childWorkflowExecutionStartedEventAttributes) {
      const a = e.childWorkflowExecutionStartedEventAttributes;
      const ref = childByWorkflowId.get(a.workflowExecution?.workflowId ?? '');
      if (ref) {
        ref.runId = a.workflowExecution?.runId ?? null;
        ref.outcome = 'running';
      }
    } else {
      const closed = childClosed(e);
      if (closed) {
        const ref = childByWorkflowId.get(closed.workflowId);
        if (ref) Object.assign(ref, { outcome: closed.outcome, closedAt: at, ...(closed.error ? { error: closed.error } : {}) });
        continue;
      }
      if (e.workflowExecutionCancelRequestedEventAttributes) {
        const a = e.workflowExecutionCancelRequestedEventAttributes;
        cancellation ??= { requestedAt: at, by: a.identity || null, reason: a.cause || null };
        continue;
      }
      const end = workflowClosed(e);
      if (end) {
        closedAt = at;
        outcome = end.outcome;
        error = end.error;
        const final: RunState | undefined =
          end.outcome === 'completed'
            ? 'completed'
            : end.outcome === 'cancelled'
              ? 'cancelled'
              : end.outcome === 'running'
                ? undefined
                : 'failed';
        if (final) infer(final, at);
      }
    }
  }
  // BatchState upserts are the run's own record of its states; without search attributes, infer them from the steps.
  const phases = upserted.length ? [{ state: 'submitted' as const, at: startedAt }, ...upserted] : inferred;
  if (
    upserted.length &&
    closedAt &&
    outcome !== 'continuedAsNew' &&
    !upserted.some((p) => ['completed', 'failed', 'cancelled'].includes(p.state))
  ) {
    // A run that ended without entering a final state (terminated, timed out by Temporal).
    phases.push({ state: 'failed', at: closedAt });
  }
  return {
    runId,
    executionId,
    tenant,
    startedAt,
    closedAt,
    outcome,
    error,
    cancellation,
    phases,
    steps: activities.list(),
    children: [...children.values()],
  };
}

async function readSlice(client: Client, ref: ChildRef): Promise<{ slice: SliceTimeline; events: number }> {
  const slice: SliceTimeline = {
    slice: ref.slice,
    workflowId: ref.workflowId,
    executions: 0,
    startedAt: null,
    closedAt: ref.closedAt,
    outcome: ref.outcome,
    ...(ref.error ? { error: ref.error } : {}),
    chunks: [],
  };
  let events = 0;
  let execution = ref.runId;
  // Follow the chain of continue-as-new executions (bounded: a slice continues every 400 chunks).
  while (execution && slice.executions < 10_000) {
    const history = await client.workflow.getHandle(ref.workflowId, execution).fetchHistory();
    const list = history.events ?? [];
    events += list.length;
    slice.executions++;
    const activities = new ActivityEvents();
    execution = null;
    for (const e of list) {
      const at = iso(e.eventTime as ProtoTimestamp);
      if (e.workflowExecutionStartedEventAttributes) slice.startedAt ??= at;
      if (activities.take(e, at ?? '')) continue;
      const end = workflowClosed(e);
      if (end?.outcome === 'continuedAsNew') execution = e.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? null;
    }
    for (const [scheduledId, step] of activities.entries()) {
      const input = activities.input(scheduledId);
      const first = typeof input?.chunk === 'number' ? input.chunk : typeof input?.from === 'number' ? input.from : -1;
      const next = activities.result(scheduledId)?.next;
      slice.chunks.push({ ...step, slice: ref.slice, chunk: first, ...(typeof next === 'number' ? { chunkEnd: next } : {}) });
    }
  }
  return { slice, events };
}

/** Attempts in flight: describe() of an open slice has them (attempt, last error, last worker). */
async function addPendingAttempts(client: Client, slices: SliceTimeline[]): Promise<void> {
  await Promise.all(
    slices
      .filter((s) => s.outcome === 'running')
      .map(async (s) => {
        const d = await client.workflow
          .getHandle(s.workflowId)
          .describe()
          .catch(() => undefined);
        for (const p of d?.raw.pendingActivities ?? []) {
          // A slice scores one chunk at a time: the open one is the pending activity.
          const chunk = [...s.chunks].reverse().find((c) => c.outcome === 'scheduled' || c.outcome === 'running');
          if (!chunk) continue;
          chunk.attempts = p.attempt ?? chunk.attempts;
          chunk.outcome = p.state === 1 ? 'scheduled' : 'running';
          chunk.worker = p.lastWorkerIdentity || chunk.worker;
          chunk.startedAt = iso(p.lastStartedTime as ProtoTimestamp) ?? chunk.startedAt;
          const last = failureText(p.lastFailure as ProtoFailure);
          if (last) chunk.retriedAfter = last;
        }
      }),
  );
}

/** Collects activities from their scheduled/started/closed events, keyed by the scheduled event's id. */
class ActivityEvents {
  private readonly byScheduled = new Map<string, ActivityTimeline>();
  private readonly inputs = new Map<string, Record<string, unknown> | undefined>();
  private readonly results = new Map<string, Record<string, unknown> | undefined>();

  /** Takes the event when it is an activity's; false otherwise. */
  take(e: HistoryEvent, at: string): boolean {
    const id = String(e.eventId ?? '');
    if (e.activityTaskScheduledEventAttributes) {
      const a = e.activityTaskScheduledEventAttributes;
      this.byScheduled.set(id, {
        name: a.activityType?.name ?? '?',
        scheduledAt: at,
        startedAt: null,
        closedAt: null,
        outcome: 'scheduled',
        attempts: 1,
        worker: null,
      });
      const payload = a.input?.payloads?.[0];
      this.inputs.set(id, payload ? (safeDecode(payload as Payload) as Record<string, unknown> | undefined) : undefined);
      return true;
    }
    if (e.activityTaskStartedEventAttributes) {
      const a = e.activityTaskStartedEventAttributes;
      const step = this.byScheduled.get(String(a.scheduledEventId ?? ''));
      if (step) {
        step.startedAt = at;
        step.outcome = 'running';
        step.attempts = a.attempt ?? 1;
        step.worker = a.identity || null;
        const last = failureText(a.lastFailure as ProtoFailure);
        if (last) step.retriedAfter = last;
      }
      return true;
    }
    const closed =
      (e.activityTaskCompletedEventAttributes && {
        a: e.activityTaskCompletedEventAttributes,
        outcome: 'completed' as const,
        failure: null,
      }) ||
      (e.activityTaskFailedEventAttributes && {
        a: e.activityTaskFailedEventAttributes,
        outcome: 'failed' as const,
        failure: e.activityTaskFailedEventAttributes.failure,
      }) ||
      (e.activityTaskTimedOutEventAttributes && {
        a: e.activityTaskTimedOutEventAttributes,
        outcome: 'timedOut' as const,
        failure: e.activityTaskTimedOutEventAttributes.failure,
      }) ||
      (e.activityTaskCanceledEventAttributes && { a: e.activityTaskCanceledEventAttributes, outcome: 'cancelled' as const, failure: null });
    if (closed) {
      const step = this.byScheduled.get(String(closed.a.scheduledEventId ?? ''));
      if (step) {
        step.closedAt = at;
        step.outcome = closed.outcome;
        const result = e.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
        if (result)
          this.results.set(String(closed.a.scheduledEventId ?? ''), safeDecode(result as Payload) as Record<string, unknown> | undefined);
        const message = failureText(closed.failure as ProtoFailure);
        if (message) step.error = message;
      }
      return true;
    }
    return Boolean(e.activityTaskCancelRequestedEventAttributes);
  }

  entries(): [string, ActivityTimeline][] {
    return [...this.byScheduled.entries()];
  }

  input(scheduledId: string) {
    return this.inputs.get(scheduledId);
  }

  result(scheduledId: string) {
    return this.results.get(scheduledId);
  }

  list(): ActivityTimeline[] {
    return [...this.byScheduled.values()];
  }
}

function workflowClosed(e: HistoryEvent): { outcome: Outcome; error?: string } | undefined {
  if (e.workflowExecutionCompletedEventAttributes) return { outcome: 'completed' };
  if (e.workflowExecutionFailedEventAttributes)
    return { outcome: 'failed', error: failureText(e.workflowExecutionFailedEventAttributes.failure as ProtoFailure) };
  if (e.workflowExecutionCanceledEventAttributes) return { outcome: 'cancelled' };
  if (e.workflowExecutionTimedOutEventAttributes) return { outcome: 'timedOut', error: 'the run timed out (Temporal execution timeout)' };
  if (e.workflowExecutionTerminatedEventAttributes) {
    const a = e.workflowExecutionTerminatedEventAttributes;
    return { outcome: 'terminated', error: `terminated${a.identity ? ` by ${a.identity}` : ''}${a.reason ? `: ${a.reason}` : ''}` };
  }
  if (e.workflowExecutionContinuedAsNewEventAttributes) return { outcome: 'continuedAsNew' };
  return undefined;
}

function childClosed(e: HistoryEvent): { workflowId: string; outcome: Outcome; error?: string } | undefined {
  const wid = (a: { workflowExecution?: { workflowId?: string | null } | null }) => a.workflowExecution?.workflowId ?? '';
  if (e.childWorkflowExecutionCompletedEventAttributes)
    return { workflowId: wid(e.childWorkflowExecutionCompletedEventAttributes), outcome: 'completed' };
  if (e.childWorkflowExecutionFailedEventAttributes) {
    const a = e.childWorkflowExecutionFailedEventAttributes;
    return { workflowId: wid(a), outcome: 'failed', error: failureText(a.failure as ProtoFailure) };
  }
  if (e.childWorkflowExecutionCanceledEventAttributes)
    return { workflowId: wid(e.childWorkflowExecutionCanceledEventAttributes), outcome: 'cancelled' };
  if (e.childWorkflowExecutionTimedOutEventAttributes)
    return { workflowId: wid(e.childWorkflowExecutionTimedOutEventAttributes), outcome: 'timedOut' };
  if (e.childWorkflowExecutionTerminatedEventAttributes)
    return { workflowId: wid(e.childWorkflowExecutionTerminatedEventAttributes), outcome: 'terminated' };
  return undefined;
}

/** `<runId>-worker-<n>` → n. */
function sliceNumber(workflowId: string): number {
  const m = /-worker-(\d+)$/.exec(workflowId);
  return m ? Number(m[1]) : -1;
}

/** The failure's message with its causes ("a: b: c"), without repeating a cause the message already quotes. */
function failureText(failure: ProtoFailure | undefined): string | undefined {
  const parts: string[] = [];
  for (let f = failure; f && parts.length < 5; f = f.cause) {
    const message = f.message ?? '';
    if (message && !parts.some((p) => p.includes(message))) parts.push(message);
  }
  return parts.length ? parts.join(': ') : undefined;
}

function safeDecode(payload: Payload): unknown {
  try {
    return defaultPayloadConverter.fromPayload(payload);
  } catch {
    return undefined;
  }
}

function decodeFields(fields: Record<string, unknown> | null | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields ?? {}).map(([key, payload]) => [key, safeDecode(payload as Payload)]));
}

function iso(ts: ProtoTimestamp): string | null {
  if (!ts || ts.seconds === null || ts.seconds === undefined) return null;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : ts.seconds.toNumber();
  return new Date(seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}
