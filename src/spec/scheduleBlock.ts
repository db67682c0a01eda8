// The optional `schedule` block of a job spec: run the job on a cron without a sensor.
// The run itself never reads it; `deploy` (or the HTTP API) turns it into a Temporal Schedule.
import { z } from 'zod';
import { cronExpression, timeZone } from '../schedules/cron.js';

export const scheduleBlockSchema = z
  .object({
    cron: cronExpression,
    timezone: timeZone.default('UTC'),
    enabled: z.boolean().default(true),
  })
  .strict();

export type ScheduleBlock = z.output<typeof scheduleBlockSchema>;
