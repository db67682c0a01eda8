// How we recognise the Schedules we manage: an id prefix per kind, and a memo set when the Schedule is
// created (a Schedule's memo cannot change afterwards) that says where it came from.
import type { Client } from '@temporalio/client';

export const MANAGED_BY = 'batch-inference';
export const SENSOR_SCHEDULE_PREFIX = 'bi-sensor-';
export const CRON_SCHEDULE_PREFIX = 'bi-cron-';

export type ScheduleKind = 'sensor' | 'cron';

export const sensorScheduleId = (name: string) => `${SENSOR_SCHEDULE_PREFIX}${name}`;
export const cronScheduleId = (name: string) => `${CRON_SCHEDULE_PREFIX}${name}`;

/** The memo of a Schedule we manage. */
export interface ManagedMemo {
  managedBy: typeof MANAGED_BY;
  kind: ScheduleKind;
  name: string;
  /** 'deploy' for schedules made from config files; 'api' (or the caller's word) otherwise. */
  origin: string;
  /** For origin 'deploy': the folder (absolute path) and file the schedule was deployed from. */
  deployDir?: string;
  file?: string;
  [key: string]: unknown;
}

export function isManagedMemo(memo: Record<string, unknown> | undefined): memo is ManagedMemo {
  return memo?.managedBy === MANAGED_BY && (memo.kind === 'sensor' || memo.kind === 'cron') && typeof memo.name === 'string';
}

export interface ManagedSchedule {
  scheduleId: string;
  memo: ManagedMemo;
  paused: boolean;
}

/** Every Schedule we manage, from the visibility store (eventually consistent: a just-created one may lag). */
export async function listManagedSchedules(client: Client, kind?: ScheduleKind): Promise<ManagedSchedule[]> {
  const found: ManagedSchedule[] = [];
  for await (const summary of client.schedule.list()) {
    if (!summary.scheduleId.startsWith(SENSOR_SCHEDULE_PREFIX) && !summary.scheduleId.startsWith(CRON_SCHEDULE_PREFIX)) continue;
    if (!isManagedMemo(summary.memo) || (kind && summary.memo.kind !== kind)) continue;
    found.push({ scheduleId: summary.scheduleId, memo: summary.memo, paused: summary.state.paused });
  }
  return found.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
}
