// A tenant's recurring jobs (POST with a `schedule` block): read, pause, resume, change and delete them. A Schedule belongs
// to the tenant in its memo; another tenant's id answers 404, like one that does not exist.
import { ScheduleNotFoundError, type ScheduleDescription } from '@temporalio/client';
import type { BatchInferenceClient } from '../../client.js';
import { CRON_SCHEDULE_PREFIX } from '../../schedules/managed.js';
import { CONFIG_HASH_MEMO } from '../../schedules/upsert.js';
import { PARSE_OPTIONS } from '../../spec/issueMessage.js';
import { badRequest, HttpError, zodProblems } from './errors.js';
import { schedulePatchSchema, type ScheduleDeleted, type ScheduleStatus } from './schemas.js';

const SCHEDULE_ID = /^bi-cron-api-[A-Za-z0-9_.-]+$/;

const notFound = (id: string) => new HttpError(404, 'not_found', `No schedule ${id}`);

export class ScheduleService {
  constructor(private readonly client: BatchInferenceClient) {}

  async get(tenant: string, scheduleId: string): Promise<ScheduleStatus> {
    const description = await this.describeOwned(tenant, scheduleId);
    // The cron as written is in the action's memo (Temporal describes it back as calendar specs).
    const action = (description.action as { memo?: Record<string, unknown> }).memo ?? {};
    return {
      schedule_id: scheduleId,
      cron: String(action.cron ?? ''),
      timezone: String(action.timezone ?? description.spec.timezone ?? 'UTC'),
      paused: description.state.paused,
      next_run_at: description.info.nextActionTimes[0]?.toISOString() ?? null,
      recent_job_ids: description.info.recentActions.map((a) => a.action.workflow.workflowId),
    };
  }

  /**
   * Pauses or resumes the Schedule (`enabled`) and changes its cron or time zone, in one update; runs it
   * already started go on unchanged. Answers the Schedule as GET shows it afterwards.
   */
  async update(tenant: string, scheduleId: string, body: unknown): Promise<ScheduleStatus> {
    const parsed = schedulePatchSchema.safeParse(body ?? {}, PARSE_OPTIONS);
    if (!parsed.success) throw badRequest(zodProblems(parsed.error));
    const patch = parsed.data;
    const current = await this.describeOwned(tenant, scheduleId);
    const memo = (current.action as { memo?: Record<string, unknown> }).memo ?? {};
    const cron = (patch.cron ?? String(memo.cron ?? '')).trim();
    const timezone = patch.timezone ?? String(memo.timezone ?? current.spec.timezone ?? 'UTC');
    const retimed = patch.cron !== undefined || patch.timezone !== undefined;
    await this.client.schedule(scheduleId).update((previous) => {
      // The cron as written goes into the action's memo (GET reads it back from there); the config hash of a
      // deploy no longer describes this Schedule, so it goes.
      const { [CONFIG_HASH_MEMO]: _hash, ...actionMemo } = (previous.action as { memo?: Record<string, unknown> }).memo ?? {};
      return {
        ...previous,
        ...(retimed ? { spec: { cronExpressions: [cron], timezone } } : {}),
        action: { ...previous.action, memo: retimed ? { ...actionMemo, cron, timezone } : actionMemo } as typeof previous.action,
        state:
          patch.enabled === undefined
            ? previous.state
            : { ...previous.state, paused: !patch.enabled, note: patch.enabled ? 'resumed through the API' : 'paused through the API' },
      };
    });
    return this.get(tenant, scheduleId);
  }

  /** Deletes the Schedule; runs it already started go on (cancel them as jobs). */
  async remove(tenant: string, scheduleId: string): Promise<ScheduleDeleted> {
    await this.describeOwned(tenant, scheduleId);
    await this.client.schedule(scheduleId).delete();
    return { schedule_id: scheduleId, deleted: true };
  }

  private async describeOwned(tenant: string, scheduleId: string): Promise<ScheduleDescription> {
    if (!SCHEDULE_ID.test(scheduleId) || !scheduleId.startsWith(CRON_SCHEDULE_PREFIX)) throw notFound(scheduleId);
    let description: ScheduleDescription;
    try {
      description = await this.client.schedule(scheduleId).describe();
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) throw notFound(scheduleId);
      throw err;
    }
    const memo = description.memo ?? {};
    if (memo.origin !== 'api' || memo.tenant !== tenant) throw notFound(scheduleId);
    return description;
  }
}
