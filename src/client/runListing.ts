// A tenant's runs from Temporal visibility: the list query (BatchTenant, and BatchState for open states or
// ExecutionStatus for final ones) and the decoding of what comes back.
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { WORKFLOW_TYPE, type RunState } from '../workflows/run/contract.js';
import { STATE_KEY, TENANT_KEY } from '../workflows/run/searchAttributes.js';

/** temporal.api.enums.v1.WorkflowExecutionStatus → our state, for closed runs. */
const CLOSED_BY_STATUS: Record<number, RunState> = { 2: 'completed', 3: 'failed', 4: 'cancelled', 5: 'failed', 7: 'failed' };
const RUNNING_STATUS = 1;

/** Visibility filters for each state: open runs by their BatchState, closed ones by Temporal's status. */
const STATE_FILTER: Record<RunState, string> = {
  submitted: `ExecutionStatus = 'Running' AND ${STATE_KEY.name} = 'submitted'`,
  preparing: `ExecutionStatus = 'Running' AND ${STATE_KEY.name} = 'preparing'`,
  running: `ExecutionStatus = 'Running' AND ${STATE_KEY.name} = 'running'`,
  completing: `ExecutionStatus = 'Running' AND ${STATE_KEY.name} = 'completing'`,
  completed: `ExecutionStatus = 'Completed'`,
  failed: `ExecutionStatus IN ('Failed', 'TimedOut', 'Terminated')`,
  cancelled: `ExecutionStatus = 'Canceled'`,
};

export interface ListRunsOptions {
  tenant: string;
  status?: RunState;
  limit: number;
  /** Temporal's page token from the previous page. */
  cursor?: Uint8Array;
}

export interface RunListing {
  runId: string;
  state: RunState;
  memo: Record<string, unknown>;
  startedAt: string;
  closedAt: string | null;
}

export interface RunPage {
  runs: RunListing[];
  /** Absent on the last page. */
  cursor?: Uint8Array;
}

export async function listRuns(client: Client, namespace: string, taskQueue: string, options: ListRunsOptions): Promise<RunPage> {
  const tenant = options.tenant.replace(/'/g, "''");
  const clauses = [
    `WorkflowType = '${WORKFLOW_TYPE}'`,
    `TaskQueue = '${taskQueue.replace(/'/g, "''")}'`,
    `${TENANT_KEY.name} = '${tenant}'`,
    ...(options.status ? [STATE_FILTER[options.status]] : []),
  ];
  const response = await client.workflowService.listWorkflowExecutions({
    namespace,
    query: clauses.join(' AND '),
    pageSize: options.limit,
    nextPageToken: options.cursor,
  });
  const runs = (response.executions ?? []).map((e): RunListing => {
    const attributes = decodeFields(e.searchAttributes?.indexedFields);
    const open = e.status === RUNNING_STATUS;
    return {
      runId: e.execution?.workflowId ?? '',
      state: open ? ((attributes[STATE_KEY.name] as RunState | undefined) ?? 'submitted') : (CLOSED_BY_STATUS[e.status ?? 0] ?? 'failed'),
      memo: decodeFields(e.memo?.fields),
      startedAt: timestampToIso(e.startTime) ?? '',
      closedAt: timestampToIso(e.closeTime),
    };
  });
  return { runs, ...(response.nextPageToken?.length ? { cursor: response.nextPageToken } : {}) };
}

function decodeFields(fields: Record<string, unknown> | null | undefined): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields ?? {}).map(([key, payload]) => [key, defaultPayloadConverter.fromPayload(payload as Payload)]),
  );
}

type ProtoTimestamp = { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined;

function timestampToIso(ts: ProtoTimestamp): string | null {
  if (!ts || ts.seconds === null || ts.seconds === undefined) return null;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : ts.seconds.toNumber();
  return new Date(seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}
