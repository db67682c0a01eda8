// A tenant's recurring jobs (POST with a `schedule` block): read and delete them. A Schedule belongs
// to the tenant in its memo; another tenant's id answers 404, like one that does not exist.
import { ScheduleNotFoundError, type ScheduleDescription } from '@temporalio/client';
import type { BatchInferenceClient } from '../../client.js';
import { CRON_SCHEDULE_PREFIX } from '../../schedules/managed.js';
import { HttpError } from './errors.js';
import type { ScheduleDeleted, ScheduleStatus } from './schemas.js';

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
