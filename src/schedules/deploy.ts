// `deploy <dir>`: one Schedule per config file, created or updated to match it; with prune, the
// Schedules an earlier deploy made on this task queue whose file is gone are deleted.
import type { Client } from '@temporalio/client';
import path from 'node:path';
import type { Config } from '../config.js';
import { upsertJobSchedule } from './jobSchedule.js';
import { isManagedMemo, listManagedSchedules, type ScheduleKind } from './managed.js';
import { sensorScheduleFor } from '../sensors/schedule.js';
import { deleteSchedule, describeSchedule, upsertSchedule, type UpsertOutcome } from './upsert.js';
import type { FieldProblem } from '../spec/errors.js';
import { readConfigDir } from './configFiles.js';
import { ensureSearchAttributes, missingSearchAttributes } from '../temporal/searchAttributes.js';
import { startAttributes } from '../workflows/run/searchAttributes.js';
import { DEFAULT_TENANT } from '../workflows/slots/contract.js';

export const DEPLOY_ORIGIN = 'deploy';

export interface DeployLine {
  action: UpsertOutcome | 'deleted' | 'skipped' | 'invalid';
  /** The config file's name (for deleted schedules: the file it was deployed from). */
  file?: string;
  scheduleId?: string;
  kind?: ScheduleKind;
  problems?: FieldProblem[];
  note?: string;
}

export interface DeployOptions {
  dir: string;
  prune?: boolean;
  dryRun?: boolean;
}

export interface DeployResult {
  dryRun: boolean;
  lines: DeployLine[];
  /** True when at least one file was rejected. */
  rejected: boolean;
}

/** A Schedule that a deploy may overwrite: one an earlier deploy made (by id it is then the same file). */
function conflictWithDeploy(scheduleId: string) {
  return (memo: Record<string, unknown> | undefined): string | undefined => {
    if (!isManagedMemo(memo))
      return `a Schedule ${scheduleId} exists that batch-inference did not create; rename the file or delete that Schedule`;
    if (memo.origin !== DEPLOY_ORIGIN)
      return `Schedule ${scheduleId} was created by the ${memo.origin}, not by deploy; rename the file or delete that Schedule first`;
    return undefined;
  };
}

export async function deploy(client: Client, config: Config, options: DeployOptions): Promise<DeployResult> {
  const dryRun = Boolean(options.dryRun);
  const taskQueue = config.temporal.taskQueue;
  const items = readConfigDir(options.dir, config);
  const lines: DeployLine[] = [];
  const keep = new Set<string>();
  /** Files that could not be read: a Schedule deployed from one of them stays, whatever it is named. */
  const invalidFiles = new Set<string>();
  // The runs the Schedules start carry BatchTenant/BatchState, so their tenant's listing shows them: registered
  // here where the server allows (a dry run only looks).
  const namespace = config.temporal.namespace;
  const missing = await (
    dryRun ? missingSearchAttributes(client.connection, namespace) : ensureSearchAttributes(client.connection, namespace)
  ).catch(() => ['?']);
  const listable = missing.length === 0;

  for (const item of items) {
    const file = path.basename(item.file);
    if (item.kind === 'skipped') {
      lines.push({ action: 'skipped', file, note: item.reason });
      continue;
    }
    if (item.kind === 'invalid') {
      item.ids.forEach((id) => keep.add(id));
      invalidFiles.add(file);
      lines.push({ action: 'invalid', file, problems: item.problems });
      continue;
    }
    keep.add(item.scheduleId);
    const memo = { origin: DEPLOY_ORIGIN, file };
    const tenant = (item.kind === 'sensor' ? item.sensor.tenant : item.schedule.tenant) ?? DEFAULT_TENANT;
    const conflict = conflictWithDeploy(item.scheduleId);
    try {
      const action =
        item.kind === 'sensor'
          ? await upsertSchedule(client, sensorScheduleFor(listable ? { ...item.sensor, listable } : item.sensor, { taskQueue, memo }), {
              dryRun,
              conflict,
            })
          : await upsertJobSchedule(client, {
              scheduleId: item.scheduleId,
              spec: item.spec,
              cron: item.schedule.cron,
              timezone: item.schedule.timezone,
              paused: !item.schedule.enabled,
              taskQueue,
              // The tenant in each run's memo decides who sees it over HTTP.
              memo: { ...memo, tenant },
              dryRun,
              conflict,
              // The runs are the job file's tenant's: its database, its grants, its slots.
              ...(item.schedule.tenant ? { runOptions: { tenant: item.schedule.tenant } } : {}),
              ...(listable ? { searchAttributes: startAttributes(tenant) } : {}),
            });
      lines.push({ action, file, scheduleId: item.scheduleId, kind: item.kind });
    } catch (err) {
      lines.push({
        action: 'invalid',
        file,
        scheduleId: item.scheduleId,
        kind: item.kind,
        problems: [{ field: '(schedule)', message: (err as Error).message }],
      });
    }
  }

  if (options.prune) {
    for (const managed of await listManagedSchedules(client)) {
      if (managed.memo.origin !== DEPLOY_ORIGIN || keep.has(managed.scheduleId)) continue;
      // Its file is there but broken (e.g. a YAML typo hides a renamed sensor's name): not gone.
      if (managed.memo.file && invalidFiles.has(managed.memo.file)) continue;
      // Deploys to other task queues (other environments on this namespace) are not ours to prune.
      const description = await describeSchedule(client, managed.scheduleId);
      if (!description || description.action.taskQueue !== taskQueue) continue;
      if (!dryRun) await deleteSchedule(client, managed.scheduleId);
      lines.push({
        action: 'deleted',
        file: managed.memo.file,
        scheduleId: managed.scheduleId,
        kind: managed.memo.kind,
        note: 'its file is gone',
      });
    }
  }
  return { dryRun, lines, rejected: lines.some((l) => l.action === 'invalid') };
}
