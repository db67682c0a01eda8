// What the HTTP routes do: map HTTP to calls on the same client the CLI uses (start, read, cancel and
// list a tenant's runs). A run's tenant is in its memo (and its BatchTenant search attribute for
// listing); another tenant's run answers 404, exactly like a run that does not exist.
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { Warehouse } from '../../adapters/warehouse/warehouse.js';
import type { BatchInferenceClient, RunDescription, RunTimeline } from '../../client.js';
import type { Config } from '../../config.js';
import { cronScheduleId } from '../../schedules/managed.js';
import { SpecError } from '../../spec/errors.js';
import { resolveSpec } from '../../spec/jobSpec.js';
import { PARSE_OPTIONS } from '../../spec/issueMessage.js';
import { runMemo } from '../../spec/prepareForStart.js';
import { scheduleBlockSchema } from '../../spec/scheduleBlock.js';
import type { ResolvedSpec } from '../../spec/types.js';
import type { Progress, RunState } from '../../workflows/run/contract.js';
import { STATE_KEY, TENANT_KEY } from '../../workflows/run/searchAttributes.js';
import { badRequest, HttpError, notFound, zodProblems } from './errors.js';
import { guardSubmit } from './submitGuard.js';
import { resumeJob } from './resume.js';
import { TenantWarehouses } from '../../tenants/warehouses.js';
import { answerFromMemo, answerMemo, idempotentRunId } from './idempotency.js';
import { TEMPORAL_DEADLINE_MS } from './temporalDeadline.js';
import { SUBMIT_ABANDONED } from '../../workflows/run/startBy.js';
import {
  jobIdSchema,
  listQuerySchema,
  type CancelResponse,
  type JobList,
  type JobStatus,
  type JobSummary,
  type ResumeResponse,
  type ScheduleResponse,
  type SubmitResponse,
} from './schemas.js';
import { pageTokenKey, readPageToken, writePageToken } from './pageToken.js';
import { sanitizeMessage } from './sanitize.js';
import { timelineView } from './timelineView.js';
import { problemsInBodyTerms, translateBody, type BodyFormat } from './translate.js';

export interface JobServiceDeps {
  client: BatchInferenceClient;
  warehouse: Warehouse;
  config: Config;
  /** Predictor names the workers have; model_id is checked against them when given. */
  predictors?: readonly string[];
  /** How long the row count may take before input_row_count is null. */
  countTimeoutMs?: number;
  /** Signs page tokens (see pageToken.ts); buildApi derives it from the API tokens. */
  pageTokenKey?: Buffer;
  /** The most a request's Temporal calls may take before it is answered 503 (default TEMPORAL_DEADLINE_MS). */
  temporalDeadlineMs?: number;
}

/** A deliberately rough throughput for estimated_duration_minutes: rows per second per worker, plus fixed cost. */
const ROWS_PER_SECOND_PER_WORKER = 200_000;
const FIXED_SECONDS = 15;

const FINAL_STATES: RunState[] = ['completed', 'failed', 'cancelled'];

export class JobService {
  private readonly key: Buffer;
  /** Each tenant's own warehouse when BATCH_TENANTS_FILE is set: submits check and count there. */
  private readonly tenantWarehouses?: TenantWarehouses;

  constructor(private readonly deps: JobServiceDeps) {
    this.key = deps.pageTokenKey ?? pageTokenKey(deps.config.api.tokens);
    if (deps.config.tenants) this.tenantWarehouses = new TenantWarehouses(deps.config, deps.config.tenants);
  }

  /** With an idempotency key, a repeat of a submit answers with the job (and body) of the first. */
  async submit(tenant: string, body: unknown, idempotencyKey?: string): Promise<SubmitResponse | ScheduleResponse> {
    // When this request's deadline passes the caller hears 503: a start Temporal records after that does nothing.
    const startBy = new Date(Date.now() + (this.deps.temporalDeadlineMs ?? TEMPORAL_DEADLINE_MS));
    const translated = translateBody(body);
    const { format, problems } = translated;
    if (problems.length || !translated.spec) throw badRequest(problems);
    const spec = modelOrPredictor(translated.spec, format, this.deps.predictors);
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
      // An unknown model is the body's fault, found before the query is counted or a run starts.
      if (spec.model !== undefined) await this.deps.client.checkModel(spec.model);
    } catch (err) {
      if (err instanceof SpecError) throw badRequest(problemsInBodyTerms(err.problems, format));
      throw err;
    }
    const guarded = await guardSubmit(
      { ...this.deps, tenants: this.deps.config.tenants, tenantWarehouses: this.tenantWarehouses },
      tenant,
      resolved,
      format,
    );
    if (spec.schedule !== undefined) return this.schedule(tenant, spec, resolved, guarded);
    const keyedId = idempotencyKey === undefined ? undefined : idempotentRunId(tenant, idempotencyKey);
    let replaceFailed = false;
    if (keyedId) {
      const first = await this.firstAnswer(tenant, keyedId);
      if (first === 'abandoned') replaceFailed = true;
      else if (first) return first;
    }
    const rows = await this.countRows(resolved, guarded);
    const answer: SubmitResponse = {
      job_id: keyedId ?? '',
      status: 'submitted',
      estimated_duration_minutes: rows === null ? null : estimateMinutes(rows, resolved.parallelWorkers),
      input_row_count: rows,
    };
    try {
      const { runId } = await this.deps.client.startBatchInference(spec, {
        tenant,
        runId: keyedId,
        onlyOnce: Boolean(keyedId),
        replaceFailed,
        startBy,
        memo: answerMemo(answer),
      });
      return { ...answer, job_id: runId };
    } catch (err) {
      // The same key submitted meanwhile (or the first attempt's start landed late): one job, its answer.
      if (keyedId && err instanceof WorkflowExecutionAlreadyStartedError) {
        const first = await this.firstAnswer(tenant, keyedId);
        if (first && first !== 'abandoned') return first;
      }
      // The client resolves a registered model at start: an unknown model, version or function is the body's fault.
      if (err instanceof SpecError) throw badRequest(problemsInBodyTerms(err.problems, format));
      throw err;
    }
  }

  /**
   * The answer a keyed submit got the first time, when its run exists (and is this tenant's);
   * 'abandoned' when that run's start came too late to run, so a new one may take its id.
   */
  private async firstAnswer(tenant: string, runId: string): Promise<SubmitResponse | 'abandoned' | undefined> {
    try {
      const run = await this.describeOwned(tenant, runId);
      if (run.closedState === 'failed' && (await this.deps.client.failureType(runId)) === SUBMIT_ABANDONED) return 'abandoned';
      return answerFromMemo(runId, run.memo);
    } catch (err) {
      if (err instanceof HttpError && err.status === 404) return undefined;
      throw err;
    }
  }

  /**
   * A body with a `schedule` block becomes a Temporal Schedule (bi-cron-api-<tenant>-<id>) that starts
   * the job every tick; its runs belong to the tenant (slots, memo, search attributes) like any job.
   */
  private async schedule(
    tenant: string,
    spec: Record<string, unknown>,
    resolved: ResolvedSpec,
    guarded: { warehouse: Warehouse; checked: boolean },
  ): Promise<ScheduleResponse> {
    const block = scheduleBlockSchema.parse(spec.schedule);
    if (block.tenant !== undefined && block.tenant !== tenant) {
      // Over HTTP the token says who the caller is; a schedule block cannot name another tenant.
      throw new HttpError(
        403,
        'forbidden',
        `schedule.tenant: "${block.tenant}" is not the caller's tenant; remove it (runs belong to the tenant of the token)`,
      );
    }
    const scheduleId = cronScheduleId(`api-${tenant}-${randomUUID().slice(0, 8)}`);
    const { client, config } = this.deps;
    await client.scheduleJob({
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
      schedule_id: scheduleId,
      status: 'scheduled',
      cron: block.cron,
      timezone: block.timezone,
      enabled: block.enabled,
      input_row_count: await this.countRows(resolved, guarded),
    };
  }

  async get(tenant: string, jobId: string): Promise<JobStatus> {
    const { memo } = await this.describeOwned(tenant, jobId);
    let progress: Progress;
    try {
      progress = await this.deps.client.getProgress(jobId);
    } catch (err) {
      throw new HttpError(
        503,
        'unavailable',
        `Job ${jobId} is open but no worker answered its progress query (${(err as Error).message}); start a worker`,
      );
    }
    return statusOf(progress, memo);
  }

  /** The job's timeline (as `batch-inference logs --json`), errors without the worker's paths or stage keys. */
  async logs(tenant: string, jobId: string): Promise<RunTimeline> {
    await this.describeOwned(tenant, jobId);
    const timeline = await this.deps.client.runTimeline(jobId);
    return timelineView(timeline);
  }

  async cancel(tenant: string, jobId: string): Promise<CancelResponse> {
    await this.describeOwned(tenant, jobId);
    // A run may be past its final state while it closes: that counts as ended too.
    const state = await this.deps.client.currentState(jobId);
    if (FINAL_STATES.includes(state)) {
      throw new HttpError(
        409,
        'conflict',
        `Job ${jobId} has already ${state === 'failed' ? 'failed' : `been ${state}`}; there is nothing to cancel`,
      );
    }
    await this.deps.client.cancelRun(jobId);
    return { job_id: jobId, status: state, cancel_requested: true };
  }

  /** A new job that continues the caller's failed job (see resume.ts). */
  async resume(tenant: string, jobId: string, body: unknown): Promise<ResumeResponse> {
    return resumeJob(this.deps.client, () => this.describeOwned(tenant, jobId), jobId, body);
  }

  async list(tenant: string, rawQuery: unknown): Promise<JobList> {
    const parsed = listQuerySchema.safeParse(rawQuery ?? {}, PARSE_OPTIONS);
    if (!parsed.success) throw badRequest(zodProblems(parsed.error));
    const { status, limit, page_token: pageToken } = parsed.data;
    if (!(await this.deps.client.hasRunSearchAttributes())) {
      throw new HttpError(
        503,
        'unavailable',
        `Listing jobs needs the Keyword search attributes ${TENANT_KEY.name} and ${STATE_KEY.name} in namespace ${this.deps.config.temporal.namespace}; \`batch-inference serve\` adds them when the server allows (else: temporal operator search-attribute create --name ${TENANT_KEY.name} --type Keyword, and the same for ${STATE_KEY.name})`,
      );
    }
    const filter = { tenant, status: status ?? null };
    const badToken = badRequest([
      {
        field: 'page_token',
        message: 'not a token this API returned for this filter; pass next_page_token unchanged, with the same status',
      },
    ]);
    const cursor = pageToken ? readPageToken(this.key, pageToken, filter) : undefined;
    if (pageToken && !cursor) throw badToken;
    let page;
    try {
      page = await this.deps.client.listRuns({ tenant, status: status ?? undefined, limit, cursor });
    } catch (err) {
      // A token that decodes but that the server cannot use (INVALID_ARGUMENT or UNKNOWN).
      if (cursor && [2, 3].includes((err as { code?: number }).code ?? 0)) throw badToken;
      throw err;
    }
    const jobs: JobSummary[] = page.runs.map((run) => ({
      job_id: run.runId,
      status: run.state,
      model_id: modelIdOf(run.memo),
      output: outputOf(run.memo),
      started_at: run.startedAt,
      closed_at: run.closedAt,
    }));
    const next = page.cursor ? writePageToken(this.key, page.cursor, filter) : null;
    return { jobs, next_page_token: next };
  }
  /** The run, when it exists, is a batch run of this deployment, and belongs to this tenant; else 404. */
  private async describeOwned(tenant: string, jobId: string): Promise<RunDescription> {
    const id = jobIdSchema.safeParse(jobId, PARSE_OPTIONS);
    if (!id.success) throw badRequest(zodProblems(id.error, ['job_id']));
    let run: RunDescription;
    try {
      run = await this.deps.client.describeRun(jobId);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw notFound(jobId);
      throw err;
    }
    if (!this.deps.client.isOurRun(run) || run.tenant !== tenant) throw notFound(jobId);
    return run;
  }

  /**
   * count(*) of the rendered query, or null when the warehouse fails or is slow to answer, or when its
   * parser did not accept the query (then it is not run at all: the run fails in preparing instead).
   */
  private async countRows(spec: ResolvedSpec, { warehouse, checked }: { warehouse: Warehouse; checked: boolean }): Promise<number | null> {
    if (!checked) return null;
    // Past the timeout the count is stopped, not left to run on in the warehouse.
    const giveUp = new AbortController();
    const counting = warehouse
      .query(
        `SELECT count(*) AS n FROM (
${spec.renderedQuery}
) AS input_rows`,
        {
          useUtc: spec.useUtc,
          warehouse: spec.warehouse,
          tag: 'batch-inference:count',
          maxRows: 1,
          signal: giveUp.signal,
        },
      )
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

export function estimateMinutes(rows: number, workers: number): number {
  return Math.max(1, Math.ceil((FIXED_SECONDS + rows / (ROWS_PER_SECOND_PER_WORKER * Math.max(1, workers))) / 60));
}

/** The predictor, or the registered model as name@version once resolved (as asked for before). */
function modelIdOf(memo: Record<string, unknown>): string | null {
  const m = memo.model as { name?: unknown; version?: unknown } | undefined;
  if (m && typeof m.name === 'string' && typeof m.version === 'number') return `${m.name}@${m.version}`;
  if (typeof memo.modelRef === 'string') return memo.modelRef;
  if (memo.modelRef && typeof (memo.modelRef as { name?: unknown }).name === 'string') return (memo.modelRef as { name: string }).name;
  return typeof memo.predictor === 'string' ? memo.predictor : null;
}

function outputOf(memo: Record<string, unknown>): JobStatus['output'] {
  if (memo.destination === 'kafka')
    return { destination: 'kafka', ...(typeof memo.kafkaTopic === 'string' ? { topic: memo.kafkaTopic } : {}) };
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
    model_id: modelIdOf(memo),
    ...(p.model ? { model: p.model } : {}),
    output: outputOf(memo),
    progress: { total_rows: p.totalRows, processed_rows: p.processedRows, percentage: p.percentage },
    chunks: { done: p.chunksDone, total: p.chunksTotal },
    workers: { requested: p.workersRequested ?? null, used: p.workers ?? null },
    started_at: p.startedAt,
    estimated_completion: p.estimatedCompletion,
    // The run's error as the worker saw it may quote the worker's folders and the stage's layout.
    ...(p.error ? { error: sanitizeMessage(p.error) } : {}),
    ...(p.resumeOf ? { resume_of: p.resumeOf } : {}),
    ...(p.resumedBy ? { resumed_by: p.resumedBy } : {}),
  };
}

/**
 * A seed body's bare `model_id` names a worker predictor when the worker has one of that name, else a
 * registered model (its latest version): seed 001's users name their models, not our predictor functions.
 */
function modelOrPredictor(
  spec: Record<string, unknown>,
  format: BodyFormat,
  predictors: readonly string[] | undefined,
): Record<string, unknown> {
  const name = spec.predictor;
  if (format !== 'seed' || typeof name !== 'string' || !predictors || predictors.includes(name)) return spec;
  const { predictor: _bare, ...rest } = spec;
  return { ...rest, model: name };
}
