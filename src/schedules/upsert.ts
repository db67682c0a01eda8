// Create or update one Schedule so that it matches what we want, and say whether anything changed.
// What we want is hashed into the memo of the workflows the Schedule starts (the Schedule's own memo
// is fixed at creation), so a second deploy of the same file compares one string and changes nothing.
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
} from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { createHash } from 'node:crypto';
import type { ManagedMemo } from './managed.js';

export interface DesiredSchedule {
  scheduleId: string;
  cron: string;
  timezone: string;
  workflowType: string;
  /** The Schedule appends the action time to it: `<workflowId>-2026-03-01T06:00:00Z`. */
  workflowId: string;
  args: unknown[];
  taskQueue: string;
  /** Memo of every workflow the Schedule starts (the config hash is added to it). */
  actionMemo: Record<string, unknown>;
  /** Search attributes of every workflow the Schedule starts (e.g. BatchTenant, so API listings find its runs). */
  actionSearchAttributes?: SearchAttributePair[];
  /** Memo of the Schedule itself; set at creation only. */
  scheduleMemo: ManagedMemo;
  /** Paused on creation; on update too when `enforcePaused` (cron jobs' `enabled`), else an operator's pause stays. */
  paused: boolean;
  enforcePaused: boolean;
  /** One line shown in the Web UI. */
  summary: string;
}

export type UpsertOutcome = 'created' | 'updated' | 'unchanged';

export class ScheduleConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleConflictError';
  }
}

export const CONFIG_HASH_MEMO = 'configHash';

/** A stable hash of everything that defines the Schedule's behaviour. */
export function configHash(desired: DesiredSchedule): string {
  const { cron, timezone, workflowType, workflowId, args, taskQueue, actionMemo } = desired;
  return createHash('sha256')
    .update(canonicalJson({ cron, timezone, workflowType, workflowId, args, taskQueue, actionMemo }))
    .digest('hex')
    .slice(0, 16);
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

/** The Schedule's current description, or undefined when it does not exist. */
export async function describeSchedule(client: Client, scheduleId: string): Promise<ScheduleDescription | undefined> {
  try {
    return await client.schedule.getHandle(scheduleId).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return undefined;
    throw err;
  }
}

export interface UpsertOptions {
  dryRun?: boolean;
  /** Internal: set on the one retry after a concurrent create. */
  retried?: boolean;
  /** Says why an existing Schedule (by its memo) must not be replaced by this one; undefined allows it. */
  conflict?: (existing: Record<string, unknown> | undefined) => string | undefined;
}

export async function upsertSchedule(client: Client, desired: DesiredSchedule, options: UpsertOptions = {}): Promise<UpsertOutcome> {
  const hash = configHash(desired);
  const action = {
    type: 'startWorkflow' as const,
    workflowType: desired.workflowType,
    workflowId: desired.workflowId,
    taskQueue: desired.taskQueue,
    args: desired.args,
    memo: { ...desired.actionMemo, [CONFIG_HASH_MEMO]: hash },
    ...(desired.actionSearchAttributes ? { typedSearchAttributes: desired.actionSearchAttributes } : {}),
    staticSummary: desired.summary,
  };
  const spec = { cronExpressions: [desired.cron], timezone: desired.timezone };
  // Skip: a check or run still going when the next tick comes is not started twice. A worker that
  // was down does not come back to a burst of missed ticks either.
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute', pauseOnFailure: false };

  const existing = await describeSchedule(client, desired.scheduleId);
  if (existing) {
    const why = options.conflict?.(existing.memo);
    if (why) throw new ScheduleConflictError(why);
    const pausedOk = !desired.enforcePaused || existing.state.paused === desired.paused;
    if (existing.action.memo?.[CONFIG_HASH_MEMO] === hash && pausedOk) return 'unchanged';
    if (options.dryRun) return 'updated';
    await client.schedule.getHandle(desired.scheduleId).update((previous) => ({
      spec,
      action,
      policies,
      state: desired.enforcePaused
        ? { paused: desired.paused, note: desired.paused ? 'disabled in its config (enabled: false)' : 'deployed' }
        : { paused: previous.state.paused, note: previous.state.note },
    }));
    return 'updated';
  }
  if (options.dryRun) return 'created';
  try {
    await client.schedule.create({
      scheduleId: desired.scheduleId,
      spec,
      action,
      policies,
      memo: desired.scheduleMemo,
      state: { paused: desired.paused, note: desired.paused ? 'disabled in its config (enabled: false)' : 'deployed' },
    });
  } catch (err) {
    // Another deploy created it a moment ago: compare again rather than fail.
    if (err instanceof ScheduleAlreadyRunning && !options.retried) return upsertSchedule(client, desired, { ...options, retried: true });
    throw err;
  }
  return 'created';
}

/** Deletes a Schedule; the workflows it started keep running. */
export async function deleteSchedule(client: Client, scheduleId: string): Promise<void> {
  try {
    await client.schedule.getHandle(scheduleId).delete();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
}
