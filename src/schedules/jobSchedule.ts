// Cron jobs without a sensor: a Schedule whose action starts a `batchInference` run every tick.
// Used by `batch-inference deploy` for job specs with a `schedule` block, and by the HTTP API.
import type { Client } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import type { RunOptions } from '../workflows/run/contract.js';
import { SpecError, type FieldProblem } from '../spec/errors.js';
import { WORKFLOW_TYPE } from '../workflows/run/contract.js';
import { cronProblem, timeZoneProblem } from './cron.js';
import { CRON_SCHEDULE_PREFIX, MANAGED_BY, type ManagedMemo } from './managed.js';
import { upsertSchedule, type DesiredSchedule, type UpsertOptions, type UpsertOutcome } from './upsert.js';

export interface JobScheduleOptions {
  /** The Schedule id; use `cronScheduleId(name)` (`bi-cron-<name>`) so that the CLI lists and prunes it. */
  scheduleId: string;
  /**
   * The job spec each tick starts, already validated and with any .sql file inlined: pass the result of
   * `prepareSpecForStart` (src/spec/prepareForStart.ts). Its `schedule` block, if any, is dropped from the run's input.
   */
  spec: Record<string, unknown>;
  /** Five-field cron, e.g. "0 6 * * *", or @hourly, @daily, @every 10m. */
  cron: string;
  /** IANA time zone the cron is read in (default UTC). */
  timezone?: string;
  /** Create (or keep) the Schedule paused; a spec's `enabled: false` (default false). */
  paused?: boolean;
  /** Task queue of the worker that runs batchInference. */
  taskQueue: string;
  /**
   * Extra memo: written to the Schedule when it is created (its memo cannot change later) and to every
   * run it starts. `origin` says who manages it ('api' by default; `deploy` uses 'deploy', so `--prune`
   * never deletes schedules made by the API).
   */
  memo?: Record<string, unknown>;
  /** Passed to every run as its second argument, e.g. `{ tenant }` so runs take that tenant's slots. */
  runOptions?: RunOptions;
  /** Search attributes of every run (the HTTP API sets BatchTenant/BatchState so its listings find them). */
  searchAttributes?: SearchAttributePair[];
  /** Only say what would change. */
  dryRun?: boolean;
  conflict?: UpsertOptions['conflict'];
}

/** Validates cron and time zone, naming the field and the fix (`schedule.cron`, `schedule.timezone`). */
export function checkSchedule(cron: string, timezone: string): void {
  const problems: FieldProblem[] = [];
  const cronIssue = cronProblem(cron);
  if (cronIssue) problems.push({ field: 'schedule.cron', message: cronIssue });
  const zoneIssue = timeZoneProblem(timezone);
  if (zoneIssue) problems.push({ field: 'schedule.timezone', message: zoneIssue });
  if (problems.length) throw new SpecError(problems);
}

export function jobScheduleFor(opts: JobScheduleOptions): DesiredSchedule {
  const timezone = opts.timezone ?? 'UTC';
  checkSchedule(opts.cron, timezone);
  const { schedule: _schedule, ...spec } = opts.spec;
  const name = opts.scheduleId.startsWith(CRON_SCHEDULE_PREFIX) ? opts.scheduleId.slice(CRON_SCHEDULE_PREFIX.length) : opts.scheduleId;
  const scheduleMemo: ManagedMemo = { origin: 'api', ...opts.memo, managedBy: MANAGED_BY, kind: 'cron', name };
  return {
    scheduleId: opts.scheduleId,
    cron: opts.cron.trim(),
    timezone,
    workflowType: WORKFLOW_TYPE,
    // Each run's id (and stage folder) is `<scheduleId>-<action time>`.
    workflowId: opts.scheduleId,
    args: opts.runOptions ? [spec, opts.runOptions] : [spec],
    taskQueue: opts.taskQueue,
    actionMemo: {
      ...opts.memo,
      schedule: opts.scheduleId,
      // As written: Temporal describes a Schedule's cron back as calendar specs.
      cron: opts.cron.trim(),
      timezone,
      outputTableName: spec.outputTableName,
      predictor: spec.predictor,
    },
    actionSearchAttributes: opts.searchAttributes,
    scheduleMemo,
    paused: opts.paused ?? false,
    enforcePaused: true,
    summary: `batch inference into ${String(spec.outputTableName)} on "${opts.cron.trim()}" (${timezone})`,
  };
}

/**
 * Creates or updates the Schedule of a cron job (overlap policy SKIP: a run still going when the next
 * tick comes is not started twice). Returns 'unchanged' when the Schedule already matches.
 */
export async function upsertJobSchedule(client: Client, opts: JobScheduleOptions): Promise<UpsertOutcome> {
  return upsertSchedule(client, jobScheduleFor(opts), { dryRun: opts.dryRun, conflict: opts.conflict });
}
