// The HTTP API's requests and responses as zod schemas: the server validates with them, and the
// OpenAPI document is generated from them (src/doors/http/openapi.ts), so the two cannot drift.
import { z } from 'zod';
import { cronExpression, timeZone } from '../../schedules/cron.js';
import { scheduleBlockSchema } from '../../spec/scheduleBlock.js';
import { RUN_STATES } from '../../workflows/run/contract.js';
import { DESTINATIONS, DESTINATIONS_HELP, SAVE_MODES } from '../../spec/output.js';

const templateValue = z.union([z.string(), z.number(), z.boolean()]);

/** Seed 001's request body, plus a few optional fields for what our job spec can do. */
export const seedRequestSchema = z
  .object({
    model_id: z.string().min(1, 'name a registered predictor, e.g. "linear-demo"').describe('The predictor that scores the rows'),
    input: z
      .object({
        source: z.literal('sql', { error: 'use "sql" (the only source)' }),
        query: z.string().trim().min(1, 'give the SQL query whose rows are scored'),
        params: z
          .record(z.string(), templateValue)
          .optional()
          .describe('Values for {name} placeholders in the query ({schema} is built in)'),
      })
      .strict(),
    output: z
      .object({
        destination: z.enum(DESTINATIONS, { error: DESTINATIONS_HELP }).default('table'),
        table_name: z.string().optional().describe('For destination "table": TABLE or schema.TABLE'),
        path: z.string().optional().describe('For "parquet" and "csv": a folder on the stage; read it only once its _SUCCESS file exists'),
        topic: z
          .string()
          .optional()
          .describe(
            'For "kafka": the topic on the workers\' BATCH_KAFKA_BROKERS; records are visible to read_committed consumers once the job completes',
          ),
        mode: z.enum(SAVE_MODES, { error: 'use "overwrite", "append" or "error"' }).optional().describe('Default overwrite'),
        include_input_columns: z.boolean().optional().describe('Keep every input column next to the predictions'),
      })
      .strict(),
    config: z
      .object({
        batch_size: z
          .number()
          .int('use a whole number')
          .min(1)
          .max(10_000_000)
          .optional()
          .describe('Rows per record batch handed to the model (at least one DuckDB vector, 2048)'),
        parallelism: z
          .number()
          .int('use a whole number')
          .min(1, 'use at least 1')
          .optional()
          .describe('Parallel workers (BATCH_DEFAULT_PARALLELISM when absent)'),
        timeout_minutes: z
          .number()
          .positive('use a time above 0')
          .max(10_080, 'use at most 10080 (7 days)')
          .optional()
          .describe('Default 60, counted from leaving the queue'),
        retry_count: z.number().int('use a whole number').min(0).max(100).optional().describe('Retries of a failed chunk (default 3)'),
        allow_non_finite: z
          .boolean()
          .optional()
          .describe('Keep NaN and ±Infinity predictions (default false: the first one fails the chunk)'),
      })
      .strict()
      .optional(),
    schedule: scheduleBlockSchema
      .optional()
      .describe('Run the job on a cron instead of once: a Temporal Schedule starts it every tick (overlap skip)'),
  })
  .strict();

export type SeedRequest = z.output<typeof seedRequestSchema>;

export const jobIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,199}$/, 'use a job_id as returned by POST /api/v1/inference/batch');

export const listQuerySchema = z
  .object({
    status: z
      .enum(RUN_STATES, { error: `use one of ${RUN_STATES.join(', ')}` })
      .optional()
      .describe('Only jobs in this state'),
    limit: z.coerce.number().int('use a whole number').min(1, 'use 1 to 100').max(100, 'use 1 to 100').default(20),
    page_token: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'pass next_page_token from the previous page unchanged')
      .optional(),
  })
  .strict();

export const scheduleResponseSchema = z.object({
  schedule_id: z.string().describe('The Temporal Schedule (bi-cron-api-<tenant>-<id>); its runs are listed with GET like any job'),
  status: z.literal('scheduled'),
  cron: z.string(),
  timezone: z.string(),
  enabled: z.boolean(),
  input_row_count: z.number().int().nullable().describe('Rows the query returns now; each tick counts again'),
});

export const scheduleStatusSchema = z.object({
  schedule_id: z.string(),
  cron: z.string(),
  timezone: z.string(),
  paused: z.boolean(),
  next_run_at: z.string().nullable(),
  recent_job_ids: z.array(z.string()).describe('Jobs it started lately, newest last; read them with GET /api/v1/inference/batch/{job_id}'),
});

/** PATCH of a recurring job: pause or resume it, change its cron or time zone; at least one field. */
export const schedulePatchSchema = z
  .object({
    enabled: z.boolean().optional().describe('false pauses the Schedule (no new runs), true resumes it'),
    cron: cronExpression.optional().describe('A new five-field cron, @hourly/@daily/…, or @every 10m'),
    timezone: timeZone.optional().describe('A new IANA time zone the cron is read in'),
  })
  .strict()
  .refine((patch) => patch.enabled !== undefined || patch.cron !== undefined || patch.timezone !== undefined, {
    message: 'send at least one of enabled, cron, timezone',
  });

export type SchedulePatch = z.output<typeof schedulePatchSchema>;

export const scheduleDeletedSchema = z.object({ schedule_id: z.string(), deleted: z.literal(true) });

export const submitResponseSchema = z.object({
  job_id: z.string(),
  status: z.literal('submitted'),
  estimated_duration_minutes: z
    .number()
    .int()
    .nullable()
    .describe('A rough figure from the row count and parallelism; null without a row count'),
  input_row_count: z.number().int().nullable().describe('From a count query; null when the warehouse cannot answer within a few seconds'),
});

const outputSchema = z.object({
  destination: z.enum(DESTINATIONS),
  table_name: z.string().optional(),
  path: z.string().optional(),
  topic: z.string().optional(),
});

export const jobStatusSchema = z.object({
  job_id: z.string(),
  status: z.enum(RUN_STATES),
  model_id: z.string().nullable(),
  model: z
    .object({ name: z.string(), version: z.number().int(), function: z.string(), kind: z.string(), sha256: z.string() })
    .optional()
    .describe('The registered model version (and artifact sha256) that scores the job, once resolved'),
  output: outputSchema,
  progress: z.object({
    total_rows: z.number().int().nullable(),
    processed_rows: z.number().int(),
    percentage: z.number(),
  }),
  chunks: z.object({ done: z.number().int(), total: z.number().int().nullable() }),
  workers: z.object({ requested: z.number().int().nullable(), used: z.number().int().nullable() }),
  started_at: z.string().describe('When the job was submitted'),
  estimated_completion: z.string().nullable(),
  error: z.string().optional().describe('Why the job failed'),
  resume_of: z.string().optional().describe('The failed job this job resumes'),
  resumed_by: z.string().optional().describe('The job that resumes this failed job'),
});

export const jobSummarySchema = z.object({
  job_id: z.string(),
  status: z.enum(RUN_STATES),
  model_id: z.string().nullable(),
  output: outputSchema,
  started_at: z.string(),
  closed_at: z.string().nullable(),
});

export const jobListSchema = z.object({
  jobs: z.array(jobSummarySchema),
  next_page_token: z.string().nullable().describe('Pass as page_token for the next page; null on the last page'),
});

export const cancelResponseSchema = z.object({
  job_id: z.string(),
  status: z.enum(RUN_STATES).describe('The state when the cancel was requested'),
  cancel_requested: z.literal(true),
});

export const resumeResponseSchema = z.object({
  job_id: z.string().describe('The new job: <failed job_id>-resume-<n>'),
  status: z.literal('submitted'),
  resume_of: z.string(),
});

export const errorSchema = z.object({
  error: z.string().describe('A machine-readable code: invalid_request, unauthorized, not_found, conflict, not_implemented, unavailable'),
  message: z.string(),
  problems: z
    .array(z.object({ field: z.string(), message: z.string() }))
    .optional()
    .describe('Each bad field and how to fix it'),
});

export type SubmitResponse = z.infer<typeof submitResponseSchema>;
export type ScheduleResponse = z.infer<typeof scheduleResponseSchema>;
export type ScheduleStatus = z.infer<typeof scheduleStatusSchema>;
export type ScheduleDeleted = z.infer<typeof scheduleDeletedSchema>;
export type JobStatus = z.infer<typeof jobStatusSchema>;
export type JobSummary = z.infer<typeof jobSummarySchema>;
export type JobList = z.infer<typeof jobListSchema>;
export type CancelResponse = z.infer<typeof cancelResponseSchema>;
export type ResumeResponse = z.infer<typeof resumeResponseSchema>;
export type ErrorBody = z.infer<typeof errorSchema>;
