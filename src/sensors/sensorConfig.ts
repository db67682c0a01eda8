// Sensor config files: one sensor per file (YAML or JSON), validated with zod. The `run` section is a
// job spec, checked with the same rules as `batch-inference run`, with {<payloadKey>} as a known placeholder.
import path from 'node:path';
import { z } from 'zod';
import { prepareSpecForStart } from '../spec/prepareForStart.js';
import type { Config } from '../config.js';
import { cronExpression, timeZone } from '../schedules/cron.js';
import { S3_CHECK_MODES, type SensorDefinition, type SensorSource } from './types.js';
import { SpecError, type FieldProblem } from '../spec/errors.js';
import { issueMessage, PARSE_OPTIONS } from '../spec/issueMessage.js';
import { placeholdersIn } from '../spec/template.js';
import { readSqlFileInside } from '../spec/sqlFile.js';
import { grantProblems } from '../tenants/grants.js';
import { TENANT_NAME } from '../tenants/tenantsFile.js';

export const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const NAME_HELP = 'letters, digits, _ . and - (at most 100), starting with a letter or digit';
const PLACEHOLDER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

const query = z.string().trim().min(1, 'give the SQL whose result is watched, e.g. SELECT MAX(ds) FROM {schema}.events');

const dataSection = z.discriminatedUnion('type', [
  z.object({ type: z.literal('duckdb'), query }).strict(),
  z
    .object({
      type: z.literal('snowflake'),
      query,
      warehouse: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_$]*$/, 'use a warehouse name (letters, digits, _ and $)')
        .optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('s3'),
      bucket: z.string().regex(BUCKET, 'use a bucket name (3-63 lowercase letters, digits, . and -), without s3://'),
      key: z.string().default(''),
      checkMode: z.enum(S3_CHECK_MODES, { error: `use one of ${S3_CHECK_MODES.join(', ')}` }),
    })
    .strict()
    .superRefine((s, ctx) => {
      if (s.key.startsWith('/')) ctx.addIssue({ code: 'custom', path: ['key'], message: 'write the key without a leading /' });
      if (s.checkMode !== 'files_metadata' && (!s.key || s.key.endsWith('/'))) {
        ctx.addIssue({
          code: 'custom',
          path: ['key'],
          message: `${s.checkMode} watches one object: give its key (not a prefix ending in /), or use checkMode files_metadata to watch a prefix`,
        });
      }
    }),
]);

export const sensorFileSchema = z
  .object({
    project: z.string().regex(NAME, `use a project name: ${NAME_HELP}`),
    sensor: z
      .object({
        name: z.string().regex(NAME, `use ${NAME_HELP}`).optional(),
        cronSchedule: cronExpression,
        timezone: timeZone.default('UTC'),
        eventName: z.string().regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'use an event name of letters, digits, _ . : and -'),
        payloadKey: z
          .string()
          .regex(PLACEHOLDER_NAME, 'use a placeholder name (letters, digits and _, not starting with a digit), e.g. ds'),
      })
      .strict(),
    data: dataSection,
    run: z.record(z.string(), z.unknown(), { error: 'give the job spec to start on a change (inputQuery, outputTableName, predictor, …)' }),
    tenant: z.string().regex(TENANT_NAME, 'use a tenant of BATCH_TENANTS_FILE (letters, digits, _ . and -)').optional(),
  })
  .strict();

export type SensorFile = z.input<typeof sensorFileSchema>;

const SNAKE_TO_CAMEL: Record<string, string> = {
  cron_schedule: 'cronSchedule',
  event_name: 'eventName',
  payload_key: 'payloadKey',
  check_mode: 'checkMode',
  project_name: 'project',
};

function zodProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.flatMap((issue): FieldProblem[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => {
        const hint = SNAKE_TO_CAMEL[key];
        return {
          field: [...issue.path, key].join('.'),
          message: hint ? `unknown field; did you mean "${hint}"?` : 'unknown field; remove it',
        };
      });
    }
    const field = issue.path.join('.') || '(file)';
    if (issue.code === 'invalid_union' && issue.path.at(-1) === 'type') return [{ field, message: 'use type duckdb, snowflake or s3' }];
    return [{ field, message: issueMessage(issue) }];
  });
}

/** The file name without its extension: the default sensor or job name. */
export function nameFromFile(file: string): string {
  return path.basename(file).replace(/\.(ya?ml|json)$/i, '');
}

/**
 * Validates one sensor file's content. Throws SpecError listing every problem (field and fix);
 * returns the definition with .sql files (of the watched query and of the run) inlined.
 */
export function parseSensorFile(raw: unknown, file: string, config: Config): SensorDefinition {
  const baseDir = path.dirname(path.resolve(file));
  const readSql = (p: string) => readSqlFileInside(baseDir, p);
  const parsed = sensorFileSchema.safeParse(raw, PARSE_OPTIONS);
  const problems: FieldProblem[] = parsed.success ? [] : zodProblems(parsed.error);

  const name = parsed.success ? (parsed.data.sensor.name ?? nameFromFile(file)) : nameFromFile(file);
  if (!NAME.test(name))
    problems.push({
      field: 'sensor.name',
      message: `"${name}" (from the file name) cannot name a sensor; rename the file or set sensor.name (${NAME_HELP})`,
    });

  // The watched query: inline a .sql file, and allow only {schema}, which the worker fills in.
  let source: SensorSource | undefined;
  if (parsed.success) {
    source = parsed.data.data as SensorSource;
    if (source.type !== 's3') {
      let sql = source.query;
      if (/\.sql$/i.test(sql) && !/\s/.test(sql)) {
        try {
          sql = readSql(sql);
        } catch (err) {
          problems.push({ field: 'data.query', message: `cannot read SQL file "${source.query}": ${(err as Error).message}` });
        }
      }
      for (const placeholder of placeholdersIn(sql).filter((p) => p !== 'schema')) {
        problems.push({ field: 'data.query', message: `unknown placeholder {${placeholder}}; a sensor query may use only {schema}` });
      }
      source = { ...source, query: sql };
    }
  }

  // The run: a job spec whose template may use {<payloadKey>}; the sensor supplies it on each change.
  let run: Record<string, unknown> | undefined;
  const rawRun = (raw as { run?: unknown } | null)?.run;
  if (rawRun && typeof rawRun === 'object' && !Array.isArray(rawRun)) {
    const spec = rawRun as Record<string, unknown>;
    const payloadKey = parsed.success ? parsed.data.sensor.payloadKey : undefined;
    const ctx = (spec.ctx && typeof spec.ctx === 'object' ? spec.ctx : {}) as Record<string, unknown>;
    if (spec.schedule !== undefined)
      problems.push({
        field: 'run.schedule',
        message: 'the sensor starts this run; remove schedule (the sensor.cronSchedule says when to check)',
      });
    if (payloadKey && payloadKey in ctx)
      problems.push({
        field: `run.ctx.${payloadKey}`,
        message: `the sensor sets {${payloadKey}} to the value it sees; remove it from ctx`,
      });
    try {
      const withPayload = payloadKey ? { ...spec, ctx: { ...ctx, [payloadKey]: 'value' } } : spec;
      const prepared = prepareSpecForStart(withPayload, config, baseDir);
      if (payloadKey) {
        const { [payloadKey]: _payload, ...rest } = prepared.ctx as Record<string, unknown>;
        prepared.ctx = rest;
      }
      run = prepared;
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      problems.push(...err.problems.map((p) => ({ field: `run.${p.field}`, message: p.message })));
    }
  }

  const tenant = parsed.success ? parsed.data.tenant : undefined;
  if (run) problems.push(...grantProblems(config, tenant, run, 'run.outputTableName'));
  if (problems.length || !parsed.success || !source || !run) throw new SpecError(problems);
  const { sensor, project } = parsed.data;
  return {
    name,
    project,
    cronSchedule: sensor.cronSchedule.trim(),
    timezone: sensor.timezone,
    eventName: sensor.eventName,
    payloadKey: sensor.payloadKey,
    source,
    run,
    ...(tenant ? { tenant } : {}),
  };
}
