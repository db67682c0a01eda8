// POST bodies come in two shapes: seed 001's ({ model_id, input, output, config }) and our own job spec
// (camelCase, as the CLI takes it). Both become a job spec; problems found in the job spec are named
// in the shape the caller sent.
import type { FieldProblem } from '../../spec/errors.js';
import { PARSE_OPTIONS } from '../../spec/issueMessage.js';
import { zodProblems } from './errors.js';
import { seedRequestSchema, type SeedRequest } from './schemas.js';

/** Where each job spec field comes from in a seed 001 body. */
const SEED_FIELD: Record<string, string> = {
  inputQuery: 'input.query',
  ctx: 'input.params',
  predictor: 'model_id',
  model: 'model_id',
  outputDestination: 'output.destination',
  outputTableName: 'output.table_name',
  outputPath: 'output.path',
  // kafka.topic is output.topic; the spec's other kafka fields have no seed spelling.
  kafka: 'output',
  saveMode: 'output.mode',
  includeInputColumns: 'output.include_input_columns',
  parallelWorkers: 'config.parallelism',
  timeoutMinutes: 'config.timeout_minutes',
  batchRows: 'config.batch_size',
  retries: 'config.retry_count',
  allowNonFinite: 'config.allow_non_finite',
  schedule: 'schedule',
  '(spec)': '(body)',
};

export type BodyFormat = 'seed' | 'spec';

export interface TranslatedBody {
  format: BodyFormat;
  /** The job spec to validate and start; undefined when the body itself is malformed. */
  spec?: Record<string, unknown>;
  problems: FieldProblem[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A body with inputQuery or predictor is a job spec; anything else is read as seed 001's shape. */
export function formatOf(body: unknown): BodyFormat {
  return isRecord(body) && ('inputQuery' in body || 'predictor' in body || 'model' in body) ? 'spec' : 'seed';
}

export function translateBody(body: unknown): TranslatedBody {
  if (!isRecord(body)) {
    return { format: 'seed', problems: [{ field: '(body)', message: 'send a JSON object' }] };
  }
  if (formatOf(body) === 'spec') return { format: 'spec', spec: body, problems: [] };
  const parsed = seedRequestSchema.safeParse(body, PARSE_OPTIONS);
  if (!parsed.success) return { format: 'seed', problems: zodProblems(parsed.error) };
  return { format: 'seed', spec: specFromSeed(parsed.data), problems: [] };
}

function specFromSeed(body: SeedRequest): Record<string, unknown> {
  const spec: Record<string, unknown> = {
    inputQuery: body.input.query,
    ctx: body.input.params,
    // name@version names a registered model; a bare name a worker predictor, or a registered model when the worker has no such predictor (jobs.ts).
    ...(body.model_id.includes('@') ? { model: body.model_id } : { predictor: body.model_id }),
    outputDestination: body.output.destination,
    outputTableName: body.output.table_name,
    outputPath: body.output.path,
    kafka: body.output.destination === 'kafka' || body.output.topic !== undefined ? { topic: body.output.topic } : undefined,
    saveMode: body.output.mode,
    includeInputColumns: body.output.include_input_columns,
    parallelWorkers: body.config?.parallelism,
    timeoutMinutes: body.config?.timeout_minutes,
    batchRows: body.config?.batch_size,
    retries: body.config?.retry_count,
    allowNonFinite: body.config?.allow_non_finite,
    schedule: body.schedule,
  };
  return Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined));
}

/** Job spec problems renamed to the fields of the body the caller sent. */
export function problemsInBodyTerms(problems: FieldProblem[], format: BodyFormat): FieldProblem[] {
  if (format === 'spec') return problems;
  return problems.map(({ field, message }) => {
    const [head, ...rest] = field.split('.');
    const mapped = SEED_FIELD[head] ? [SEED_FIELD[head], ...rest].join('.') : field;
    // Messages mention job spec names ("required when outputDestination is ..."): say them as sent.
    const said = message.replace(
      /\b(outputDestination|outputTableName|outputPath|saveMode|inputQuery|predictor)\b/g,
      (name) => SEED_FIELD[name],
    );
    return { field: mapped, message: said };
  });
}
