// The client door for other Node services: start, watch, cancel and await batch-inference runs.
import { Client, Connection, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, type Config } from './config.js';
import { resolveSpec } from './spec/jobSpec.js';
import type { Progress, RunState, RunSummary } from './shared/types.js';
import type { RunOptions } from './workflows/batchInference.js';
import { defineSearchAttributeKey } from '@temporalio/common';
import { missingSearchAttributes } from './temporal/searchAttributes.js';
import { DEFAULT_TENANT, progressQuery, STATE_ATTRIBUTE, TENANT_ATTRIBUTE, WORKFLOW_TYPE } from './workflows/definitions.js';

const TENANT_KEY = defineSearchAttributeKey(TENANT_ATTRIBUTE, 'KEYWORD');
const STATE_KEY = defineSearchAttributeKey(STATE_ATTRIBUTE, 'KEYWORD');

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

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `bi-${stamp}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Validates a spec before it is sent (throws SpecError naming every bad field) and inlines a
 * .sql file, so the worker never needs this machine's files. Predictor names are checked by the worker.
 */
export function prepareSpecForStart(spec: unknown, config: Config, baseDir = process.cwd()): Record<string, unknown> {
  const readSqlFile = (p: string) => fs.readFileSync(path.resolve(baseDir, p), 'utf8');
  resolveSpec(spec, {
    schema: config.schema,
    defaultParallelism: config.defaultParallelism,
    maxSplits: config.maxSplits,
    readSqlFile,
  });
  const copy = { ...(spec as Record<string, unknown>) };
  const query = String(copy.inputQuery).trim();
  if (/\.sql$/i.test(query) && !/\s/.test(query)) copy.inputQuery = readSqlFile(query);
  return copy;
}

/** What a run's memo says about it: who owns it and where its output goes. Never credentials. */
export function runMemo(spec: Record<string, unknown>, tenant: string): Record<string, unknown> {
  const memo: Record<string, unknown> = { tenant, predictor: spec.predictor, destination: spec.outputDestination ?? 'table' };
  if (spec.outputTableName !== undefined) memo.outputTableName = spec.outputTableName;
  if (spec.outputPath !== undefined) memo.outputPath = spec.outputPath;
  return memo;
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
    readonly client: Client,
    readonly config: Config,
  ) {}

  static async connect(config: Config = loadConfig()): Promise<BatchInferenceClient> {
    const connection = await Connection.connect({ address: config.temporal.address ?? 'localhost:7233' });
    return new BatchInferenceClient(new Client({ connection, namespace: config.temporal.namespace }), config);
  }

  async startBatchInference(spec: unknown, options: StartOptions = {}): Promise<{ runId: string }> {
    const prepared = prepareSpecForStart(spec, this.config, options.baseDir);
    const runId = options.runId ?? newRunId();
    const tenant = options.tenant ?? DEFAULT_TENANT;
    const runOptions: RunOptions = {
      ...options.runOptions,
      ...(options.tenant ? { tenant } : {}),
      ...(options.startBy ? { startBy: options.startBy.toISOString() } : {}),
    };
    const searchAttributes = await this.runSearchAttributes(tenant);
    await this.client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: this.config.temporal.taskQueue,
      workflowId: runId,
      args: Object.keys(runOptions).length ? [prepared, runOptions] : [prepared],
      memo: { ...runMemo(prepared, tenant), ...options.memo },
      ...(options.onlyOnce ? { workflowIdReusePolicy: options.replaceFailed ? ('ALLOW_DUPLICATE_FAILED_ONLY' as const) : ('REJECT_DUPLICATE' as const) } : {}),
      ...(searchAttributes ? { typedSearchAttributes: searchAttributes } : {}),
    });
    return { runId };
  }

  /** BatchTenant and BatchState for a new run of this tenant, when the namespace has them. */
  async runSearchAttributes(tenant: string) {
    return (await this.hasRunSearchAttributes())
      ? [{ key: TENANT_KEY, value: tenant }, { key: STATE_KEY, value: 'submitted' }]
      : undefined;
  }

  private searchAttributes?: Promise<boolean>;

  /** Whether the namespace has BatchTenant and BatchState (checked once per client): runs are then listable by tenant and state. */
  hasRunSearchAttributes(): Promise<boolean> {
    this.searchAttributes ??= missingSearchAttributes(this.client.connection, this.config.temporal.namespace).then(
      (missing) => missing.length === 0,
      () => {
        // A failed check is not an answer: ask again next time rather than never list these runs.
        this.searchAttributes = undefined;
        return false;
      },
    );
    return this.searchAttributes;
  }

  /** The progress query while the run is open; after it closes, figures from its result or failure. */
  async getProgress(runId: string): Promise<Progress> {
    const handle = this.client.workflow.getHandle(runId);
    const description = await handle.describe();
    const closed = CLOSED_STATES[description.status.name];
    // Temporal's start time, whether the run is open or closed: the CLI and the API show the same figure.
    const startedAt = description.startTime.toISOString();
    if (!closed) return { ...(await handle.query(progressQuery)), startedAt };
    const base: Progress = {
      runId, state: closed, totalRows: null, processedRows: 0, percentage: 0,
      chunksDone: 0, chunksTotal: null, startedAt, estimatedCompletion: null,
    };
    if (closed === 'completed') {
      const summary = (await handle.result()) as RunSummary;
      return {
        ...base, totalRows: summary.rowsIn, processedRows: summary.rowsIn, percentage: 100,
        chunksDone: summary.chunks, chunksTotal: summary.chunks, estimatedCompletion: summary.completedAt,
      };
    }
    try {
      await handle.result();
    } catch (err) {
      const cause = err instanceof WorkflowFailedError ? err.cause : err;
      if (closed === 'failed') base.error = cause instanceof Error ? cause.message : String(cause);
    }
    return base;
  }

  async cancelRun(runId: string): Promise<void> {
    await this.client.workflow.getHandle(runId).cancel();
  }

  async waitForResult(runId: string): Promise<RunSummary> {
    return (await this.client.workflow.getHandle(runId).result()) as RunSummary;
  }

  async close(): Promise<void> {
    await this.client.connection.close();
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
