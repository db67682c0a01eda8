// The job spec: the seed's run() parameters in camelCase, plus `predictor`.
// Validation collects every problem at once so the user fixes them in one go.
import { z } from 'zod';
import type { ColumnDefinition, ResolvedSpec } from './types.js';
import { COLUMN_TYPE_HELP, parseColumnType } from './columnTypes.js';
import { SpecError, type FieldProblem } from './errors.js';
import { issueMessage, PARSE_OPTIONS } from './issueMessage.js';
import { IDENTIFIER, QUALIFIED_NAME } from './identifiers.js';
import { scheduleBlockSchema } from './scheduleBlock.js';
import { DESTINATIONS, DESTINATIONS_HELP, outputProblems, resolveOutput, SAVE_MODES } from './output.js';
import { kafkaBlockSchema } from './kafkaBlock.js';
import { renderSql, type TemplateValue } from './template.js';
import { CTX_VALUE_FIX, unsafeInSql } from './sqlValues.js';
import { modelRefSchema, modelRefText } from '../models/modelRef.js';

const columnDefinition = z.union([z.tuple([z.string(), z.string()]), z.object({ name: z.string(), type: z.string() }).strict()]);

export const jobSpecSchema = z
  .object({
    inputQuery: z.string().trim().min(1, 'give a SQL query or the path of a .sql file'),
    ctx: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
    outputTableName: z
      .string()
      .regex(QUALIFIED_NAME, 'use a table name like MODEL_PREDICTIONS or schema.table (letters, digits, _ and $)')
      .optional(),
    outputTableDefinition: z
      .array(columnDefinition)
      .min(1, 'list at least one column, or leave the field out')
      .superRefine(checkColumns)
      .optional(),
    predictor: z.string().min(1, 'name a registered predictor, e.g. "linear-demo"').optional(),
    /** A registered model (src/models): "churn", "churn@3" or { name, version?, function? }; instead of predictor. */
    model: modelRefSchema.optional(),
    parallelWorkers: z.number().int('use a whole number').min(1, 'use at least 1').optional(),
    batchSizeInMb: z.number().positive('use a size above 0').max(4096, 'use at most 4096 MB').default(256),
    timeoutPerBatch: z.number().int('use whole seconds').min(1).max(86_400).default(300),
    heartbeatTimeout: z.number().int('use whole seconds').min(1).max(3600).default(60),
    retries: z.number().int('use a whole number').min(0).max(100).default(3),
    autoCreateTable: z.boolean().default(true),
    overwrite: z.boolean().optional(),
    // Output destinations and limits (see src/spec/output.ts for the cross-field rules).
    outputDestination: z.enum(DESTINATIONS, { error: DESTINATIONS_HELP }).default('table'),
    outputPath: z.string().optional(),
    /** outputDestination "kafka": the topic and how records are made (src/spec/kafkaBlock.ts). */
    kafka: kafkaBlockSchema.optional(),
    saveMode: z.enum(SAVE_MODES, { error: 'use "overwrite", "append" or "error"' }).optional(),
    includeInputColumns: z.boolean().default(false),
    timeoutMinutes: z.number().positive('use a time above 0').max(10_080, 'use at most 10080 (7 days)').default(60),
    batchRows: z.number().int('use a whole number').min(1).max(10_000_000).optional(),
    /** Keep NaN and ±Infinity predictions; by default the first one fails the chunk. */
    allowNonFinite: z.boolean().default(false),
    warehouse: z.string().regex(IDENTIFIER, 'use a warehouse name (letters, digits, _ and $)').optional(),
    useUtc: z.boolean().default(true),
    /** Start the job on a cron (see spec/scheduleBlock.ts); ignored by the run itself. */
    schedule: scheduleBlockSchema.optional(),
  })
  .strict();

export type JobSpecInput = z.input<typeof jobSpecSchema>;
export type JobSpec = z.output<typeof jobSpecSchema>;

export interface ResolveOptions {
  schema: string;
  defaultParallelism: number;
  maxSplits: number;
  /** Registered predictor names; the check is skipped when absent (a client does not know the worker's). */
  predictors?: readonly string[];
  /** Reads inputQuery when it names a .sql file. */
  readSqlFile: (path: string) => string;
}

const SNAKE_TO_CAMEL: Record<string, string> = {
  input_query: 'inputQuery',
  output_table_name: 'outputTableName',
  output_table_definition: 'outputTableDefinition',
  parallel_workers: 'parallelWorkers',
  batch_size_in_mb: 'batchSizeInMb',
  timeout_per_batch: 'timeoutPerBatch',
  auto_create_table: 'autoCreateTable',
  use_utc: 'useUtc',
  predict_fn: 'predictor',
  model_id: 'model',
  function_name: 'model',
  output_destination: 'outputDestination',
  output_path: 'outputPath',
  save_mode: 'saveMode',
  include_input_columns: 'includeInputColumns',
  timeout_minutes: 'timeoutMinutes',
  batch_rows: 'batchRows',
  allow_non_finite: 'allowNonFinite',
};

function zodProblems(error: z.ZodError): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const hint = SNAKE_TO_CAMEL[key];
        problems.push({
          field: [...issue.path, key].join('.'),
          message: hint ? `unknown field; did you mean "${hint}"?` : 'unknown field; remove it',
        });
      }
      continue;
    }
    const field = issue.path.join('.') || '(spec)';
    problems.push({ field, message: issueMessage(issue) });
  }
  return problems;
}

/** Column names and types, checked inside the schema so they are reported with every other problem. */
function checkColumns(defs: z.infer<typeof columnDefinition>[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  defs.map(toColumn).forEach(([name, type], i) => {
    const issue = (key: 'name' | 'type', message: string) => ctx.addIssue({ code: 'custom', path: [i, key], message });
    if (!IDENTIFIER.test(name)) issue('name', `"${name}" is not a valid column name (letters, digits, _ and $)`);
    else if (seen.has(name.toLowerCase())) issue('name', `column "${name}" is listed twice`);
    seen.add(name.toLowerCase());
    if (!parseColumnType(type)) issue('type', `unknown type "${type}"; ${COLUMN_TYPE_HELP}`);
  });
}

function toColumn(d: z.infer<typeof columnDefinition>): ColumnDefinition {
  return Array.isArray(d) ? [d[0], d[1]] : [d.name, d.type];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates a raw spec, applies defaults and renders the SQL. Throws SpecError listing every problem. */
export function resolveSpec(raw: unknown, options: ResolveOptions): ResolvedSpec {
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch {
      throw new SpecError([{ field: '(spec)', message: 'the spec is a string that is not JSON; pass a JSON object' }]);
    }
  }
  const parsed = jobSpecSchema.safeParse(raw, PARSE_OPTIONS);
  const problems: FieldProblem[] = parsed.success ? [] : zodProblems(parsed.error);
  // Not an object: the checks of single fields below would only add noise to that one problem.
  if (!isRecord(raw)) throw new SpecError(problems);
  // The checks below read the raw fields, so they report alongside any schema problems.
  const input = isRecord(raw) ? raw : {};

  const parallelWorkers =
    typeof input.parallelWorkers === 'number' ? input.parallelWorkers : Math.min(options.defaultParallelism, options.maxSplits);
  if (parallelWorkers > options.maxSplits) {
    problems.push({
      field: 'parallelWorkers',
      message: `${parallelWorkers} is above the limit of ${options.maxSplits}; use at most ${options.maxSplits} or raise BATCH_MAX_SPLITS on the worker`,
    });
  }
  // Exactly one of predictor and model: what scores the rows must be unambiguous.
  if (input.predictor !== undefined && input.model !== undefined)
    problems.push({ field: 'model', message: 'give either "model" (a registered model) or "predictor" (a worker function), not both' });
  if (input.predictor === undefined && input.model === undefined)
    problems.push({
      field: 'predictor',
      message: 'name what scores the rows: "model": "churn" (a registered model) or "predictor": "linear-demo" (a worker function)',
    });
  if (typeof input.predictor === 'string' && input.predictor && options.predictors && !options.predictors.includes(input.predictor)) {
    problems.push({
      field: 'predictor',
      message: `unknown predictor "${input.predictor}"; registered: ${options.predictors.join(', ') || '(none)'}. Add yours with BATCH_PREDICTORS`,
    });
  }

  let rendered = { sql: '', unknown: [] as string[] };
  if (typeof input.inputQuery === 'string' && input.inputQuery.trim()) {
    let template = input.inputQuery.trim();
    if (/\.sql$/i.test(template) && !/\s/.test(template)) {
      try {
        template = options.readSqlFile(template);
      } catch (err) {
        problems.push({ field: 'inputQuery', message: `cannot read SQL file "${input.inputQuery}": ${(err as Error).message}` });
      }
    }
    const ctx = isRecord(input.ctx) ? (input.ctx as Record<string, TemplateValue>) : {};
    for (const [name, value] of Object.entries(ctx)) {
      const unsafe = typeof value === 'string' ? unsafeInSql(value) : undefined;
      // The value itself is not repeated: it may be long, or a secret pasted by mistake.
      if (unsafe)
        problems.push({
          field: `ctx.${name}`,
          message: `the value holds ${unsafe}, which could end a string literal or a statement; ${CTX_VALUE_FIX}`,
        });
    }
    const values: Record<string, TemplateValue> = { schema: options.schema, ...ctx };
    rendered = renderSql(template, values);
    for (const name of rendered.unknown) {
      problems.push({
        field: 'inputQuery',
        message: `unknown placeholder {${name}}; add "${name}" to ctx or remove it (known: ${Object.keys(values).join(', ')})`,
      });
    }
    if (!rendered.sql.trim()) problems.push({ field: 'inputQuery', message: 'the query is empty' });
  }
  problems.push(...outputProblems(input));
  if (problems.length || !parsed.success) throw new SpecError(problems);
  const spec = parsed.data;

  return {
    renderedQuery: rendered.sql.trim().replace(/;\s*$/, ''),
    ...resolveOutput(spec),
    outputTableDefinition: spec.outputTableDefinition?.map(toColumn),
    // A model run names itself by its reference until prepareRun resolves the version.
    predictor: spec.predictor ?? modelRefText(spec.model!),
    ...(spec.model ? { modelRef: spec.model } : {}),
    parallelWorkers: spec.parallelWorkers ?? parallelWorkers,
    batchSizeInMb: spec.batchSizeInMb,
    timeoutPerBatch: spec.timeoutPerBatch,
    heartbeatTimeout: Math.min(spec.heartbeatTimeout, spec.timeoutPerBatch),
    retries: spec.retries,
    autoCreateTable: spec.autoCreateTable,
    includeInputColumns: spec.includeInputColumns,
    timeoutMinutes: spec.timeoutMinutes,
    ...(spec.batchRows ? { batchRows: spec.batchRows } : {}),
    ...(spec.allowNonFinite ? { allowNonFinite: true } : {}),
    warehouse: spec.warehouse,
    useUtc: spec.useUtc,
  };
}
