// The optional `schedule` block of a job spec: run the job on a cron without a sensor.
// The run itself never reads it; `deploy` (or the HTTP API) turns it into a Temporal Schedule.
import { z } from 'zod';
import { cronExpression, timeZone } from '../schedules/cron.js';
import { TENANT_NAME } from '../tenants/tenantsFile.js';

export const scheduleBlockSchema = z
  .object({
    cron: cronExpression,
    timezone: timeZone.default('UTC'),
    enabled: z.boolean().default(true),
    /** Whose database and grants the runs use (BATCH_TENANTS_FILE); "default" when absent. Over HTTP, only the caller's. */
    tenant: z.string().regex(TENANT_NAME, 'use a tenant of BATCH_TENANTS_FILE (letters, digits, _ . and -)').optional(),
  })
  .strict();

export type ScheduleBlock = z.output<typeof scheduleBlockSchema>;
