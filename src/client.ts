// The client door, and the one way into Temporal for the CLI, the HTTP API and other Node services:
// start, describe, list, watch, cancel and await runs; deploy and steer Schedules.
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type ScheduleHandle,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import { loadConfig, type Config } from './config.js';
import { listRuns, type ListRunsOptions, type RunPage } from './client/runListing.js';
import { planResume, resumeLinks, ResumeRefusedError } from './client/resumeRun.js';
import { readRunTimeline, type RunTimeline } from './client/runTimeline.js';
import { ensureCleanupSchedule } from './retention/schedule.js';
import { deploy, type DeployOptions } from './schedules/deploy.js';
import { upsertJobSchedule, type JobScheduleOptions } from './schedules/jobSchedule.js';
import { listSensors } from './sensors/status.js';
import { prepareSpecForStart, runMemo } from './spec/prepareForStart.js';
import { ensureSearchAttributes, missingSearchAttributes } from './temporal/searchAttributes.js';
import { checkWriteGrant } from './tenants/grants.js';
import { progressQuery, WORKFLOW_TYPE, type Progress, type RunOptions, type RunState, type RunSummary } from './workflows/run/contract.js';
import { STATE_KEY, TENANT_KEY } from './workflows/run/searchAttributes.js';
import { DEFAULT_TENANT } from './workflows/slots/contract.js';
import { createStage } from './adapters/stage/registry.js';
import { openRunsUsingModel } from './client/modelsInUse.js';
import { ModelInUseError, UnknownModelError, UnknownModelFunctionError, UnknownModelVersionError } from './models/errors.js';
import { SpecError } from './spec/errors.js';
import { parseModelRef, type ModelRef } from './models/modelRef.js';
import { ModelRegistry, type RegisterOptions } from './models/registry.js';
import { unpackLimits } from './models/kinds/pythonArchiveBounds.js';

export { prepareSpecForStart, runMemo, ResumeRefusedError };
export { ResumeOverrideError } from './resume/overrides.js';
export type { ListRunsOptions, Progress, RunOptions, RunPage, RunState, RunSummary, RunTimeline };

export interface StartOptions {
  /** The workflow id, also the run id used in stage paths. Generated when absent. */
  runId?: string;
  /** Folder that a relative .sql path in inputQuery is read from (default: the current folder). */
  baseDir?: string;
  runOptions?: RunOptions;
  memo?: Record<string, unknown>;
  /** Whose concurrency slots the run takes and who may see it over HTTP; "default" when absent. */
  tenant?: string;
  /** Never a second run under runId, even after the first closed: a repeated start fails with WorkflowExecutionAlreadyStartedError. */
  onlyOnce?: boolean;
  /** With onlyOnce: a run under runId that failed (e.g. a start that arrived too late) may be replaced. */
  replaceFailed?: boolean;
  /** The submitter stops waiting for the start then: a start Temporal records later does nothing (SubmitAbandoned). */
  startBy?: Date;
}

/** What Temporal knows of a run, in our terms. */
export interface RunDescription {
  runId: string;
  /** The workflow type and task queue: a run of this deployment is batchInference on our queue. */
  workflowType: string;
  taskQueue: string;
  /** The final state once the run has closed; undefined while it is open. */
  closedState?: RunState;
  /** The tenant in the run's memo ("default" for runs started without one). */
  tenant: string;
  memo: Record<string, unknown>;
  startedAt: string;
}

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `bi-${stamp}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A closed run's progress query needs a worker to replay it: without one, keep the figures Temporal has. */
const CLOSED_QUERY_MS = 3_000;

/** The promise's value, or undefined when it fails or takes longer than ms. */
async function withinMs<T>(ms: number, promise: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise.catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}

const CLOSED_STATES: Record<string, RunState> = {
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'failed',
  TIMED_OUT: 'failed',
};

export class BatchInferenceClient {
  constructor(
    /** The Temporal client underneath; the doors go through the methods of this class instead. */
    readonly temporal: Client,
    readonly config: Config,
  ) {}

  static async connect(config: Config = loadConfig()): Promise<BatchInferenceClient> {
    const connection = await Connection.connect({ address: config.temporal.address ?? 'localhost:7233' });
    return new BatchInferenceClient(new Client({ connection, namespace: config.temporal.namespace }), config);
  }

  async startBatchInference(spec: unknown, options: StartOptions = {}): Promise<{ runId: string }> {
    const prepared = prepareSpecForStart(spec, this.config, options.baseDir);
    if (prepared.model !== undefined) await this.checkModel(prepared.model);
    const runId = options.runId ?? newRunId();
    const tenant = options.tenant ?? DEFAULT_TENANT;
    // Before anything starts: a tenant writes only the tables BATCH_TENANTS_FILE grants it.
    if ((prepared.outputDestination ?? 'table') === 'table')
      checkWriteGrant(this.config.tenants, tenant, prepared.outputTableName as string | undefined);
    const runOptions: RunOptions = {
      ...options.runOptions,
      ...(options.tenant ? { tenant } : {}),
      ...(options.startBy ? { startBy: options.startBy.toISOString() } : {}),
    };
    const searchAttributes = await this.runSearchAttributes(tenant);
    await this.temporal.workflow.start(WORKFLOW_TYPE, {
      taskQueue: this.config.temporal.taskQueue,
      workflowId: runId,
      args: Object.keys(runOptions).length ? [prepared, runOptions] : [prepared],
      memo: { ...runMemo(prepared, tenant), ...options.memo },
      ...(options.onlyOnce
        ? { workflowIdReusePolicy: options.replaceFailed ? ('ALLOW_DUPLICATE_FAILED_ONLY' as const) : ('REJECT_DUPLICATE' as const) }
        : {}),
      ...(searchAttributes ? { typedSearchAttributes: searchAttributes } : {}),
    });
    return { runId };
  }

  /** BatchTenant and BatchState for a new run of this tenant, when the namespace has them. */
  async runSearchAttributes(tenant: string) {
    return (await this.hasRunSearchAttributes())
      ? [
          { key: TENANT_KEY, value: tenant },
          { key: STATE_KEY, value: 'submitted' },
        ]
      : undefined;
  }

  private searchAttributes?: Promise<boolean>;

  /** Whether the namespace has BatchTenant and BatchState (checked once per client): runs are then listable by tenant and state. */
  hasRunSearchAttributes(): Promise<boolean> {
    this.searchAttributes ??= missingSearchAttributes(this.temporal.connection, this.config.temporal.namespace).then(
      (missing) => missing.length === 0,
      () => {
        // A failed check is not an answer: ask again next time rather than never list these runs.
        this.searchAttributes = undefined;
        return false;
      },
    );
    return this.searchAttributes;
  }

  /** Registers BatchTenant and BatchState where the server allows; returns the names still missing. */
  async ensureSearchAttributes(): Promise<string[]> {
    const missing = await ensureSearchAttributes(this.temporal.connection, this.config.temporal.namespace);
    this.searchAttributes = undefined;
    return missing;
  }

  /** The run as Temporal describes it. Throws WorkflowNotFoundError for an unknown run id. */
  async describeRun(runId: string): Promise<RunDescription> {
    const d = await this.temporal.workflow.getHandle(runId).describe();
    const memo = d.memo ?? {};
    return {
      runId,
      workflowType: d.type,
      taskQueue: d.taskQueue,
      closedState: CLOSED_STATES[d.status.name],
      tenant: typeof memo.tenant === 'string' ? memo.tenant : DEFAULT_TENANT,
      memo,
      startedAt: d.startTime.toISOString(),
    };
  }

  /** Whether the run is a batch run of this deployment (its workflow type and task queue). */
  isOurRun(run: RunDescription): boolean {
    return run.workflowType === WORKFLOW_TYPE && run.taskQueue === this.config.temporal.taskQueue;
  }

  /** A tenant's runs, newest first, from Temporal visibility (needs the BatchTenant/BatchState attributes). */
  listRuns(options: ListRunsOptions): Promise<RunPage> {
    return listRuns(this.temporal, this.config.temporal.namespace, this.config.temporal.taskQueue, options);
  }

  /**
   * Resumes a failed run: a new run (<root>-resume-<n>, returned) that takes the failed run's staged input
   * and finished chunks, scores the rest and publishes as usual. Only operational fields may be overridden
   * (src/resume/overrides.ts). Throws ResumeRefusedError (unknown, running, completed, cancelled, already
   * resumed) or ResumeOverrideError (a field that may not change).
   */
  async resumeRun(runId: string, overrides: Record<string, unknown> = {}): Promise<{ runId: string; resumeOf: string }> {
    const { namespace, taskQueue } = this.config.temporal;
    const plan = await planResume(this.temporal, { namespace, taskQueue }, runId, overrides, (id) => this.failureType(id));
    try {
      await this.startBatchInference(plan.spec, {
        runId: plan.runId,
        tenant: plan.tenant,
        onlyOnce: true,
        runOptions: plan.runOptions,
        memo: { resumeOf: runId },
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        throw new ResumeRefusedError(runId, 'resumed', `Run ${runId} is being resumed by ${plan.runId}`, plan.runId);
      }
      throw err;
    }
    return { runId: plan.runId, resumeOf: runId };
  }

  /** The run's story from its history and its children's: phases, steps, chunk attempts, cancellation. Throws WorkflowNotFoundError for an unknown run. */
  runTimeline(runId: string): Promise<RunTimeline> {
    return readRunTimeline(this.temporal, runId);
  }

  /** The progress query while the run is open; after it closes, figures from its result or failure. */
  async getProgress(runId: string): Promise<Progress> {
    const description = await this.temporal.workflow.getHandle(runId).describe();
    const progress = await this.progressOf(runId, description);
    const links = await resumeLinks(this.temporal, runId, description.memo ?? {}, progress.state === 'failed');
    return { ...progress, ...links };
  }

  private async progressOf(runId: string, description: WorkflowExecutionDescription): Promise<Progress> {
    const handle = this.temporal.workflow.getHandle(runId);
    const closed = CLOSED_STATES[description.status.name];
    // Temporal's start time, whether the run is open or closed: the CLI and the API show the same figure.
    const startedAt = description.startTime.toISOString();
    if (!closed) return { ...(await handle.query(progressQuery)), startedAt };
    const base: Progress = {
      runId,
      state: closed,
      totalRows: null,
      processedRows: 0,
      percentage: 0,
      chunksDone: 0,
      chunksTotal: null,
      startedAt,
      estimatedCompletion: null,
    };
    if (closed === 'completed') {
      const summary = await this.waitForResult(runId);
      return {
        ...base,
        totalRows: summary.rowsIn,
        processedRows: summary.rowsIn,
        percentage: 100,
        chunksDone: summary.chunks,
        chunksTotal: summary.chunks,
        workers: summary.workers,
        workersRequested: summary.workersRequested,
        estimatedCompletion: summary.completedAt,
        ...(summary.model ? { model: summary.model } : {}),
      };
    }
    try {
      await handle.result();
    } catch (err) {
      const cause = err instanceof WorkflowFailedError ? err.cause : err;
      if (closed === 'failed') base.error = cause instanceof Error ? cause.message : String(cause);
    }
    // How far a failed or cancelled run got: its own progress query, answered by a worker replaying it.
    const last = await withinMs(CLOSED_QUERY_MS, handle.query(progressQuery));
    if (!last) return base;
    const { runId: _id, state: _state, startedAt: _start, estimatedCompletion: _eta, error: _error, ...figures } = last;
    return { ...base, ...figures };
  }

  /** The run's state: its final state once closed, else what its progress query says (submitted when no worker answers). */
  async currentState(runId: string): Promise<RunState> {
    const run = await this.describeRun(runId);
    if (run.closedState) return run.closedState;
    return this.temporal.workflow
      .getHandle(runId)
      .query(progressQuery)
      .then(
        (p) => p.state,
        () => 'submitted' as const,
      );
  }

  /** The failure type a failed run ended with (e.g. SpecError, JobTimeout, SubmitAbandoned); undefined otherwise. */
  async failureType(runId: string): Promise<string | undefined> {
    return this.temporal.workflow
      .getHandle(runId)
      .result()
      .then(
        () => undefined,
        (err: { cause?: { type?: string } }) => err.cause?.type,
      );
  }

  async cancelRun(runId: string): Promise<void> {
    await this.temporal.workflow.getHandle(runId).cancel();
  }

  async waitForResult(runId: string): Promise<RunSummary> {
    return this.temporal.workflow.getHandle<(spec: unknown, options?: RunOptions) => Promise<RunSummary>>(runId).result();
  }

  /** Creates or updates a cron job's Schedule (deploy and the HTTP API's `schedule` block). */
  scheduleJob(request: JobScheduleOptions) {
    return upsertJobSchedule(this.temporal, request);
  }

  /** A Schedule by id, to describe, pause, resume, trigger or delete it. */
  schedule(scheduleId: string): ScheduleHandle {
    return this.temporal.schedule.getHandle(scheduleId);
  }

  /** Deploys a folder of sensor and cron job files (see README, Sensors and schedules). */
  deploy(options: DeployOptions) {
    return deploy(this.temporal, this.config, options);
  }

  listSensors() {
    return listSensors(this.temporal);
  }

  /** The hourly retention Schedule (BATCH_RESULT_TTL_HOURS), created when missing. */
  ensureRetentionSchedule() {
    return ensureCleanupSchedule(this.temporal, this.config);
  }

  private registry?: Promise<ModelRegistry>;

  /**
   * An unknown model, version or function fails the start (a SpecError on `model`, listing what exists)
   * rather than the run. The run resolves again when it starts; a stage this client cannot reach is left to it.
   */
  async checkModel(ref: unknown): Promise<void> {
    try {
      await (await this.models()).resolve(parseModelRef(ref));
    } catch (err) {
      if (err instanceof UnknownModelError || err instanceof UnknownModelVersionError || err instanceof UnknownModelFunctionError)
        throw new SpecError([{ field: 'model', message: err.message }]);
    }
  }

  /** The model registry on the configured stage (BATCH_STAGE). */
  models(): Promise<ModelRegistry> {
    this.registry ??= createStage(this.config).then((stage) => new ModelRegistry(stage));
    return this.registry;
  }

  /** Every registered model with its versions. */
  async listModels() {
    return (await this.models()).list();
  }

  /** One version's model.json ("churn" for the latest, "churn@3" or a ModelRef); errors list what exists. */
  async showModel(ref: string | ModelRef) {
    return (await this.models()).show(typeof ref === 'string' ? parseModelRef(ref) : ref);
  }

  async registerModel(options: RegisterOptions) {
    return (await this.models()).register({ python: this.config.python.executable, unpack: unpackLimits(this.config), ...options });
  }

  /** Deletes a version, refused (ModelInUseError) while an open run of this task queue uses it. */
  async deleteModel(name: string, version: number): Promise<void> {
    const registry = await this.models();
    const versions = await registry.versions(name);
    await registry.show({ name, version });
    const users = await openRunsUsingModel(this.temporal, this.config.temporal.taskQueue, name, version, versions[versions.length - 1]);
    if (users.length) throw new ModelInUseError(name, version, users);
    await registry.delete(name, version);
  }

  /**
   * The connection's deadline and abort controls: every Temporal call fn makes is bounded by them (the
   * HTTP API's 503 deadline, a CLI wait that a signal ends).
   */
  get calls(): Pick<Connection, 'withAbortSignal' | 'withDeadline'> {
    const connection = this.temporal.connection;
    return {
      withAbortSignal: (signal, fn) => connection.withAbortSignal(signal, fn),
      withDeadline: (deadline, fn) => connection.withDeadline(deadline, fn),
    };
  }

  async close(): Promise<void> {
    await this.temporal.connection.close();
  }
}

export { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
export { WorkflowFailedError, WorkflowNotFoundError };

let defaultClient: Promise<BatchInferenceClient> | undefined;
const shared = () => (defaultClient ??= BatchInferenceClient.connect());

/** Convenience functions on a client built from the environment (TEMPORAL_ADDRESS etc.). */
export const startBatchInference = async (spec: unknown, options?: StartOptions) => (await shared()).startBatchInference(spec, options);
export const getProgress = async (runId: string) => (await shared()).getProgress(runId);
export const cancelRun = async (runId: string) => (await shared()).cancelRun(runId);
export const waitForResult = async (runId: string) => (await shared()).waitForResult(runId);
export const resumeRun = async (runId: string, overrides?: Record<string, unknown>) => (await shared()).resumeRun(runId, overrides);
