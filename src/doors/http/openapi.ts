// The OpenAPI 3.1 document, generated from the zod schemas the server validates with.
import { z } from 'zod';
import { jobSpecSchema } from '../../spec/jobSpec.js';
import {
  cancelResponseSchema,
  resumeResponseSchema,
  errorSchema,
  jobListSchema,
  jobStatusSchema,
  listQuerySchema,
  seedRequestSchema,
  scheduleDeletedSchema,
  schedulePatchSchema,
  scheduleResponseSchema,
  scheduleStatusSchema,
  submitResponseSchema,
} from './schemas.js';

function schemaOf(schema: z.ZodType, io: 'input' | 'output' = 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ content: { 'application/json': { schema: ref(name) } } });
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((code) => [String(code), { description: ERROR_TEXT[code], ...json('Error') }]));
const ERROR_TEXT: Record<number, string> = {
  400: 'Bad request: `problems` names each bad field and the fix',
  401: 'Missing or unknown bearer token',
  404: 'No such job for this tenant',
  409: 'The job has already ended',
  503: 'Temporal cannot answer (no worker, or search attributes missing)',
};
const jobIdParameter = { name: 'job_id', in: 'path', required: true, schema: { type: 'string' } };
const scheduleIdParameter = { name: 'schedule_id', in: 'path', required: true, schema: { type: 'string' } };

export function openApiDocument(version: string): Record<string, unknown> {
  const listParameters = Object.entries(schemaOf(listQuerySchema, 'input').properties as Record<string, Record<string, unknown>>).map(
    ([name, schema]) => ({
      name,
      in: 'query',
      required: false,
      schema,
      ...(schema.description ? { description: schema.description } : {}),
    }),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'batch-inference',
      version,
      description:
        'Durable batch scoring on Temporal. Every route except this document needs `Authorization: Bearer <token>`; a token belongs to one tenant, which sees only its own jobs.',
    },
    security: [{ bearer: [] }],
    paths: {
      '/api/v1/inference/batch': {
        post: {
          summary: 'Submit a batch job',
          description:
            "Body: seed 001's request ({model_id, input, output, config}) or a job spec as the CLI takes it (recognised by inputQuery or predictor). Nothing starts unless the whole request is valid.",
          requestBody: { required: true, content: { 'application/json': { schema: { oneOf: [ref('BatchRequest'), ref('JobSpec')] } } } },
          responses: {
            201: {
              description: 'Created: the body had a schedule block, and a Schedule now starts the job on its cron',
              ...json('ScheduleResponse'),
            },
            202: { description: 'Accepted: the job is queued', ...json('SubmitResponse') },
            ...errors(400, 401),
          },
        },
        get: {
          summary: "List the caller's jobs, newest first",
          parameters: listParameters,
          responses: { 200: { description: 'A page of jobs', ...json('JobList') }, ...errors(400, 401, 503) },
        },
      },
      '/api/v1/inference/batch/{job_id}': {
        get: {
          summary: 'Status and progress of a job',
          parameters: [jobIdParameter],
          responses: { 200: { description: 'The job', ...json('JobStatus') }, ...errors(400, 401, 404, 503) },
        },
        delete: {
          summary: 'Cancel a job',
          description:
            'Children and activities stop, nothing is published, staged files are deleted. A publish already under way (table or files) finishes first, and the job then ends completed.',
          parameters: [jobIdParameter],
          responses: { 202: { description: 'Cancellation requested', ...json('CancelResponse') }, ...errors(400, 401, 404, 409) },
        },
      },
      '/api/v1/inference/batch/{job_id}/resume': {
        post: {
          summary: 'Resume a failed job',
          description:
            "A new job (<job_id>-resume-<n>) takes the failed job's staged input and every chunk it finished, scores the rest and publishes as usual. The body may change operational fields only (timeoutPerBatch, heartbeatTimeout, retries, parallelWorkers, batchRows, timeoutMinutes); a job that is running, completed, cancelled or already resumed answers 409.",
          parameters: [jobIdParameter],
          requestBody: { required: false, content: { 'application/json': { schema: { type: 'object', additionalProperties: true } } } },
          responses: { 202: { description: 'Accepted: the resume is queued', ...json('ResumeResponse') }, ...errors(400, 401, 404, 409) },
        },
      },
      '/api/v1/models': {
        get: {
          summary: 'Registered models with their versions (the same for every tenant)',
          responses: { 200: { description: '{ models: [{ name, versions, latest, kind, description?, createdAt }] }' }, ...errors(401) },
        },
      },
      '/api/v1/models/{name}': {
        get: {
          summary: "A model version's model.json: kind, functions with input and output columns, artifact sha256",
          parameters: [
            {
              name: 'name',
              in: 'path',
              required: true,
              description: 'name (the latest version) or name@version',
              schema: { type: 'string' },
            },
          ],
          responses: { 200: { description: 'model.json' }, ...errors(400, 401, 404) },
        },
      },
      '/api/v1/inference/batch/{job_id}/logs': {
        get: {
          summary: "A job's timeline, read from its history (as `batch-inference logs --json`)",
          description:
            'phases (each state with the time it was entered), steps (prepareRun, exportInput, publish, clean-up), slices[].chunks[] (outcome, times, attempts, the worker of the last attempt, error, and the error the chunk was retried after), retries, cancellation, error.',
          parameters: [jobIdParameter],
          responses: {
            200: { description: 'The timeline', content: { 'application/json': { schema: { type: 'object' } } } },
            ...errors(400, 401, 404),
          },
        },
      },
      '/api/v1/inference/schedules/{schedule_id}': {
        get: {
          summary: 'A recurring job made by a POST with a schedule block',
          parameters: [scheduleIdParameter],
          responses: { 200: { description: 'The schedule', ...json('ScheduleStatus') }, ...errors(401, 404) },
        },
        patch: {
          summary: 'Pause or resume a recurring job (enabled), or change its cron or time zone',
          parameters: [scheduleIdParameter],
          requestBody: { required: true, ...json('SchedulePatch') },
          responses: { 200: { description: 'The schedule after the change', ...json('ScheduleStatus') }, ...errors(400, 401, 404) },
        },
        delete: {
          summary: 'Delete a recurring job; jobs it already started go on',
          parameters: [scheduleIdParameter],
          responses: { 200: { description: 'Deleted', ...json('ScheduleDeleted') }, ...errors(401, 404) },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token from BATCH_API_TOKENS' } },
      schemas: {
        BatchRequest: schemaOf(seedRequestSchema, 'input'),
        JobSpec: schemaOf(jobSpecSchema, 'input'),
        SubmitResponse: schemaOf(submitResponseSchema),
        ScheduleResponse: schemaOf(scheduleResponseSchema),
        ScheduleStatus: schemaOf(scheduleStatusSchema),
        ScheduleDeleted: schemaOf(scheduleDeletedSchema),
        SchedulePatch: schemaOf(schedulePatchSchema, 'input'),
        JobStatus: schemaOf(jobStatusSchema),
        JobList: schemaOf(jobListSchema),
        CancelResponse: schemaOf(cancelResponseSchema),
        ResumeResponse: schemaOf(resumeResponseSchema),
        Error: schemaOf(errorSchema),
      },
    },
  };
}
