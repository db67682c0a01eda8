// What the HTTP routes do, on top of the same client the CLI uses: start, read, cancel and list a
// tenant's runs. A run's tenant is in its memo (and its BatchTenant search attribute for listing);
// another tenant's run answers 404, exactly like a run that does not exist.
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type WorkflowExecutionDescription } from '@temporalio/client';
import type { Warehouse } from '../../adapters/warehouse/warehouse.js';
import { randomUUID } from 'node:crypto';
import { runMemo, type BatchInferenceClient } from '../../client.js';
import { cronScheduleId } from '../../schedules/managed.js';
import { upsertJobSchedule } from '../../schedules/jobSchedule.js';
import { scheduleBlockSchema } from '../../spec/scheduleBlock.js';
import type { Config } from '../../config.js';
import { SpecError } from '../../spec/errors.js';
import { resolveSpec } from '../../spec/jobSpec.js';
import type { Progress, ResolvedSpec, RunState } from '../../shared/types.js';
import { DEFAULT_TENANT, progressQuery, STATE_ATTRIBUTE, TENANT_ATTRIBUTE, WORKFLOW_TYPE } from '../../workflows/definitions.js';
import { badRequest, HttpError, notFound, zodProblems } from './errors.js';
import { answerFromMemo, answerMemo, idempotentRunId } from './idempotency.js';
import { TEMPORAL_DEADLINE_MS } from './temporalDeadline.js';
import { SUBMIT_ABANDONED } from '../../workflows/startBy.js';
import {
  jobIdSchema,
  listQuerySchema,
  type CancelResponse,
  type JobList,
  type JobStatus,
  type JobSummary,
  type ScheduleResponse,
  type SubmitResponse,
} from './schemas.js';
import { problemsInBodyTerms, translateBody } from './translate.js';

export interface JobServiceDeps {
  client: BatchInferenceClient;
  warehouse: Warehouse;
  config: Config;
  /** Predictor names the workers have; model_id is checked against them when given. */
  predictors?: readonly string[];
  /** How long the row count may take before input_row_count is null. */
  countTimeoutMs?: number;
  /** The most a request's Temporal calls may take before it is answered 503 (default TEMPORAL_DEADLINE_MS). */
  temporalDeadlineMs?: number;
}

/** A deliberately rough throughput for estimated_duration_minutes: rows per second per worker, plus fixed cost. */
const ROWS_PER_SECOND_PER_WORKER = 200_000;
const FIXED_SECONDS = 15;

/** temporal.api.enums.v1.WorkflowExecutionStatus → our state, for closed runs. */
const CLOSED_BY_STATUS: Record<number, RunState> = { 2: 'completed', 3: 'failed', 4: 'cancelled', 5: 'failed', 7: 'failed' };
const CLOSED_BY_NAME: Record<string, RunState> = { COMPLETED: 'completed', FAILED: 'failed', CANCELLED: 'cancelled', TERMINATED: 'failed', TIMED_OUT: 'failed' };
const RUNNING_STATUS = 1;
const FINAL_STATES: RunState[] = ['completed', 'failed', 'cancelled'];

/** Visibility filters for each state: open runs by their BatchState, closed ones by Temporal's status. */
const STATE_FILTER: Record<RunState, string> = {
  submitted: `ExecutionStatus = 'Running' AND ${STATE_ATTRIBUTE} = 'submitted'`,
  preparing: `ExecutionStatus = 'Running' AND ${STATE_ATTRIBUTE} = 'preparing'`,
  running: `ExecutionStatus = 'Running' AND ${STATE_ATTRIBUTE} = 'running'`,
  completing: `ExecutionStatus = 'Running' AND ${STATE_ATTRIBUTE} = 'completing'`,
  completed: `ExecutionStatus = 'Completed'`,
  failed: `ExecutionStatus IN ('Failed', 'TimedOut', 'Terminated')`,
  cancelled: `ExecutionStatus = 'Canceled'`,
};

export class JobService {
  constructor(private readonly deps: JobServiceDeps) {}

  /** With an idempotency key, a repeat of a submit answers with the job (and body) of the first. */
  async submit(tenant: string, body: unknown, idempotencyKey?: string): Promise<SubmitResponse | ScheduleResponse> {
    // When this request's deadline passes the caller hears 503: a start Temporal records after that does nothing.
    const startBy = new Date(Date.now() + (this.deps.temporalDeadlineMs ?? TEMPORAL_DEADLINE_MS));
    const { format, spec, problems } = translateBody(body);
    if (problems.length || !spec) throw badRequest(problems);
    let resolved: ResolvedSpec;
    try {
      resolved = resolveSpec(spec, {
        schema: this.deps.config.schema,
        defaultParallelism: this.deps.config.defaultParallelism,
        maxSplits: this.deps.config.maxSplits,
        predictors: this.deps.predictors,
        readSqlFile: () => {
          throw new Error('SQL files are not read over HTTP; send the SQL text');
        },
      });
    } catch (err) {
      if (err instanceof SpecError) throw badRequest(problemsInBodyTerms(err.problems, format));
      throw err;
    }
    if (spec.schedule !== undefined) return this.schedule(tenant, spec, resolved);
    const keyedId = idempotencyKey === undefined ? undefined : idempotentRunId(tenant, idempotencyKey);
    let replaceFailed = false;
    if (keyedId) {
      const first = await this.firstAnswer(tenant, keyedId);
      if (first === 'abandoned') replaceFailed = true;
      else if (first) return first;
    }
    const rows = await this.countRows(resolved);
    const answer: SubmitResponse = {
      job_id: keyedId ?? '',
      status: 'submitted',
      estimated_duration_minutes: rows === null ? null : estimateMinutes(rows, resolved.parallelWorkers),
      input_row_count: rows,
    };
    try {
      const { runId } = await this.deps.client.startBatchInference(spec, {
        tenant, runId: keyedId, onlyOnce: Boolean(keyedId), replaceFailed, startBy, memo: answerMemo(answer),
      });
      return { ...answer, job_id: runId };
    } catch (err) {
      // The same key submitted meanwhile (or the first attempt's start landed late): one job, its answer.
      if (keyedId && err instanceof WorkflowExecutionAlreadyStartedError) {
        const first = await this.firstAnswer(tenant, keyedId);
        if (first && first !== 'abandoned') return first;
      }
      throw err;
    }
  }

  /**
   * The answer a keyed submit got the first time, when its run exists (and is this tenant's);
   * 'abandoned' when that run's start came too late to run, so a new one may take its id.
   */
  private async firstAnswer(tenant: string, runId: string): Promise<SubmitResponse | 'abandoned' | undefined> {
    try {
      const { description, memo } = await this.describeOwned(tenant, runId);
      if (description.status.name === 'FAILED') {
        const type = await this.deps.client.client.workflow.getHandle(runId).result().then(
          () => undefined,
          (err: { cause?: { type?: string } }) => err.cause?.type,
        );
        if (type === SUBMIT_ABANDONED) return 'abandoned';
      }
      return answerFromMemo(runId, memo);
    } catch (err) {
      if (err instanceof HttpError && err.status === 404) return undefined;
      throw err;
    }
  }

  /**
   * A body with a `schedule` block becomes a Temporal Schedule (bi-cron-api-<tenant>-<id>) that starts
   * the job every tick; its runs belong to the tenant (slots, memo, search attributes) like any job.
   */
  private async schedule(tenant: string, spec: Record<string, unknown>, resolved: ResolvedSpec): Promise<ScheduleResponse> {
    const block = scheduleBlockSchema.parse(spec.schedule);
    const scheduleId = cronScheduleId(`api-${tenant}-${randomUUID().slice(0, 8)}`);
    const { client, config } = this.deps;
    await upsertJobSchedule(client.client, {
      scheduleId,
      spec,
      cron: block.cron,
      timezone: block.timezone,
      paused: !block.enabled,
      taskQueue: config.temporal.taskQueue,
      memo: { ...runMemo(spec, tenant), origin: 'api' },
      runOptions: { tenant },
      searchAttributes: await client.runSearchAttributes(tenant),
    });
    return {
      schedule_id: scheduleId, status: 'scheduled', cron: block.cron, timezone: block.timezone, enabled: block.enabled,
      input_row_count: await this.countRows(resolved),
    };
  }

  async get(tenant: string, jobId: string): Promise<JobStatus> {
    const { memo } = await this.describeOwned(tenant, jobId);
    let progress: Progress;
    try {
      progress = await this.deps.client.getProgress(jobId);
    } catch (err) {
      throw new HttpError(503, 'unavailable', `Job ${jobId} is open but no worker answered its progress query (${(err as Error).message}); start a worker`);
    }
    return statusOf(progress, memo);
  }

  async cancel(tenant: string, jobId: string): Promise<CancelResponse> {
    const { description } = await this.describeOwned(tenant, jobId);
    const handle = this.deps.client.client.workflow.getHandle(jobId);
    // A run may be past its final state while it closes: that counts as ended too.
    const state: RunState = CLOSED_BY_NAME[description.status.name] ?? (await handle.query(progressQuery).then((p) => p.state, () => 'submitted' as const));
    if (FINAL_STATES.includes(state)) {
      throw new HttpError(409, 'conflict', `Job ${jobId} has already ${state === 'failed' ? 'failed' : `been ${state}`}; there is nothing to cancel`);
    }
    await handle.cancel();
    return { job_id: jobId, status: state, cancel_requested: true };
  }

  async list(tenant: string, rawQuery: unknown): Promise<JobList> {
    const parsed = listQuerySchema.safeParse(rawQuery ?? {});
    if (!parsed.success) throw badRequest(zodProblems(parsed.error));
    const { status, limit, page_token: pageToken } = parsed.data;
    if (!(await this.deps.client.hasRunSearchAttributes())) {
      throw new HttpError(503, 'unavailable', `Listing jobs needs the Keyword search attributes ${TENANT_ATTRIBUTE} and ${STATE_ATTRIBUTE} in namespace ${this.deps.config.temporal.namespace}; \`batch-inference serve\` adds them when the server allows (else: temporal operator search-attribute create --name ${TENANT_ATTRIBUTE} --type Keyword, and the same for ${STATE_ATTRIBUTE})`);
    }
    const clauses = [
      `WorkflowType = '${WORKFLOW_TYPE}'`,
      `TaskQueue = '${this.deps.config.temporal.taskQueue}'`,
      `${TENANT_ATTRIBUTE} = '${tenant}'`,
      ...(status ? [STATE_FILTER[status]] : []),
    ];
    const filter = { tenant, status: status ?? null };
    const badToken = badRequest([{ field: 'page_token', message: 'not a token this API returned for this filter; pass next_page_token unchanged, with the same status' }]);
    const cursor = pageToken ? readPageToken(pageToken, filter) : undefined;
    if (pageToken && !cursor) throw badToken;
    let response;
    try {
      response = await this.deps.client.client.workflowService.listWorkflowExecutions({
        namespace: this.deps.config.temporal.namespace,
        query: clauses.join(' AND '),
        pageSize: limit,
        nextPageToken: cursor,
      });
    } catch (err) {
      // A token that decodes but that the server cannot use (INVALID_ARGUMENT or UNKNOWN).
      if (cursor && [2, 3].includes((err as { code?: number }).code ?? 0)) throw badToken;
      throw err;
    }
    const jobs: JobSummary[] = (response.executions ?? []).map((e) => {
      const memo = decodeFields(e.memo?.fields);
      const attributes = decodeFields(e.searchAttributes?.indexedFields);
      const state = e.status === RUNNING_STATUS ? ((attributes[STATE_ATTRIBUTE] as RunState | undefined) ?? 'submitted') : (CLOSED_BY_STATUS[e.status ?? 0] ?? 'failed');
      return {
        job_id: e.execution?.workflowId ?? '',
        status: state,
        model_id: typeof memo.predictor === 'string' ? memo.predictor : null,
        output: outputOf(memo),
        started_at: timestampToIso(e.startTime) ?? '',
        closed_at: timestampToIso(e.closeTime),
      };
    });
    const next = response.nextPageToken?.length ? writePageToken(response.nextPageToken, filter) : null;
    return { jobs, next_page_token: next };
  }

  /** The run, when it exists, is a batch run of this deployment, and belongs to this tenant; else 404. */
  private async describeOwned(tenant: string, jobId: string): Promise<{ description: WorkflowExecutionDescription; memo: Record<string, unknown> }> {
    const id = jobIdSchema.safeParse(jobId);
    if (!id.success) throw badRequest(zodProblems(id.error, ['job_id']));
    let description: WorkflowExecutionDescription;
    try {
      description = await this.deps.client.client.workflow.getHandle(jobId).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw notFound(jobId);
      throw err;
    }
    const memo = description.memo ?? {};
    const owner = typeof memo.tenant === 'string' ? memo.tenant : DEFAULT_TENANT;
    if (description.type !== WORKFLOW_TYPE || description.taskQueue !== this.deps.config.temporal.taskQueue || owner !== tenant) throw notFound(jobId);
    return { description, memo };
  }

  /** count(*) of the rendered query, or null when the warehouse fails or is slow to answer. */
  private async countRows(spec: ResolvedSpec): Promise<number | null> {
    // Past the timeout the count is stopped, not left to run on in the warehouse.
    const giveUp = new AbortController();
    const counting = this.deps.warehouse
      .query(`SELECT count(*) AS n FROM (${spec.renderedQuery}) AS input_rows`, {
        useUtc: spec.useUtc, warehouse: spec.warehouse, tag: 'batch-inference:count', maxRows: 1, signal: giveUp.signal,
      })
      .then((rows) => {
        const n = Number(Object.values(rows[0] ?? {})[0]);
        return Number.isSafeInteger(n) ? n : null;
      });
    counting.catch(() => {}); // a late failure after the timeout is of no interest
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => {
        giveUp.abort();
        resolve(null);
      }, this.deps.countTimeoutMs ?? 3000);
    });
    try {
      return await Promise.race([counting, timeout]);
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
    }
  }
}

interface PageFilter {
  tenant: string;
  status: string | null;
}

/** Temporal's cursor, wrapped with the filter it belongs to so that it cannot be replayed with another. */
function writePageToken(cursor: Uint8Array, filter: PageFilter): string {
  return Buffer.from(JSON.stringify({ v: 1, ...filter, cursor: Buffer.from(cursor).toString('base64') })).toString('base64url');
}

function readPageToken(token: string, filter: PageFilter): Uint8Array | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (parsed.v !== 1 || parsed.tenant !== filter.tenant || parsed.status !== filter.status || typeof parsed.cursor !== 'string') return undefined;
    return Buffer.from(parsed.cursor, 'base64');
  } catch {
    return undefined;
  }
}

export function estimateMinutes(rows: number, workers: number): number {
  return Math.max(1, Math.ceil((FIXED_SECONDS + rows / (ROWS_PER_SECOND_PER_WORKER * Math.max(1, workers))) / 60));
}

function outputOf(memo: Record<string, unknown>): JobStatus['output'] {
  const destination = memo.destination === 'parquet' || memo.destination === 'csv' ? memo.destination : 'table';
  return destination === 'table'
    ? { destination, ...(typeof memo.outputTableName === 'string' ? { table_name: memo.outputTableName } : {}) }
    : { destination, ...(typeof memo.outputPath === 'string' ? { path: memo.outputPath } : {}) };
}

/** The same figures as `batch-inference status` (both come from BatchInferenceClient.getProgress). */
export function statusOf(p: Progress, memo: Record<string, unknown>): JobStatus {
  return {
    job_id: p.runId,
    status: p.state,
    model_id: typeof memo.predictor === 'string' ? memo.predictor : null,
    output: outputOf(memo),
    progress: { total_rows: p.totalRows, processed_rows: p.processedRows, percentage: p.percentage },
    chunks: { done: p.chunksDone, total: p.chunksTotal },
    started_at: p.startedAt,
    estimated_completion: p.estimatedCompletion,
    ...(p.error ? { error: p.error } : {}),
  };
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
