// Where a run's predictions go: a warehouse table (the default), parquet/csv files under a path on
// the stage, or a Kafka topic, and what happens to what is already there (the save mode).
import type { FieldProblem } from './errors.js';
import { resolveKafka, type KafkaBlock, type KafkaOutput } from './kafkaBlock.js';

export const DESTINATIONS = ['table', 'parquet', 'csv', 'kafka'] as const;
export const DESTINATIONS_HELP = 'use "table", "parquet", "csv" or "kafka"';
export type OutputDestination = (typeof DESTINATIONS)[number];

export const SAVE_MODES = ['overwrite', 'append', 'error'] as const;
export type SaveMode = (typeof SAVE_MODES)[number];

/** Folder names under the stage root that belong to the pipeline itself. */
const RESERVED_ROOTS = ['runs'];
const SEGMENT = /^[A-Za-z0-9=][A-Za-z0-9_.=-]*$/;

export const OUTPUT_PATH_HELP =
  'use a relative stage path such as "results/churn/2026-02-26" (letters, digits, _ . - =; no "..", no leading "/", ".", "_" or "runs/")';

/** Why `path` cannot be an output path, or undefined when it can. */
export function outputPathProblem(path: string): string | undefined {
  const trimmed = path.replace(/\/+$/, '');
  if (!trimmed) return `is empty; ${OUTPUT_PATH_HELP}`;
  const segments = trimmed.split('/');
  if (segments.some((s) => !SEGMENT.test(s))) return `"${path}" is not a valid stage path; ${OUTPUT_PATH_HELP}`;
  if (RESERVED_ROOTS.includes(segments[0]))
    return `"${path}" is inside "${segments[0]}/", which holds the pipeline's own run files; ${OUTPUT_PATH_HELP}`;
  return undefined;
}

export const normalizeOutputPath = (path: string) => path.replace(/\/+$/, '');

export interface OutputFields {
  outputDestination: OutputDestination;
  outputTableName?: string;
  outputPath?: string;
  /** Set when outputDestination is 'kafka'. */
  kafka?: KafkaOutput;
  saveMode: SaveMode;
  /** Kept for the warehouse's publish: true replaces the table's rows. */
  overwrite: boolean;
}

const isDestination = (v: unknown): v is OutputDestination => (DESTINATIONS as readonly unknown[]).includes(v);
const isSaveMode = (v: unknown): v is SaveMode => (SAVE_MODES as readonly unknown[]).includes(v);

/**
 * Cross-field checks on the raw spec (the schema checks each field alone): a table needs a name, files
 * need a path, and the older `overwrite` flag must agree with `saveMode` when both are given.
 */
export function outputProblems(input: Record<string, unknown>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const destination = input.outputDestination ?? 'table';
  if (!isDestination(destination)) return problems; // the schema reports it
  if (destination !== 'kafka' && input.kafka !== undefined) {
    problems.push({ field: 'kafka', message: 'only for outputDestination "kafka"; remove it, or set outputDestination' });
  }
  if (destination === 'kafka') {
    problems.push(...kafkaProblems(input));
  } else if (destination === 'table') {
    if (input.outputTableName === undefined) problems.push({ field: 'outputTableName', message: 'required' });
    if (input.outputPath !== undefined) {
      problems.push({ field: 'outputPath', message: 'only for outputDestination "parquet" or "csv"; remove it, or set outputDestination' });
    }
  } else {
    if (input.outputPath === undefined)
      problems.push({ field: 'outputPath', message: `required when outputDestination is "${destination}"; ${OUTPUT_PATH_HELP}` });
    if (input.outputTableName !== undefined) {
      problems.push({ field: 'outputTableName', message: `only for outputDestination "table"; files go to outputPath` });
    }
  }
  if (typeof input.outputPath === 'string') {
    const problem = outputPathProblem(input.outputPath);
    if (problem) problems.push({ field: 'outputPath', message: problem });
  }
  if (typeof input.overwrite === 'boolean' && isSaveMode(input.saveMode)) {
    const agrees = input.overwrite === (input.saveMode === 'overwrite');
    if (!agrees) {
      problems.push({
        field: 'overwrite',
        message: `overwrite: ${input.overwrite} contradicts saveMode "${input.saveMode}"; give only saveMode (overwrite, append or error)`,
      });
    }
  }
  return problems;
}

/** A topic takes records; a table name, a path or a save mode means the spec was written for another destination. */
function kafkaProblems(input: Record<string, unknown>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (input.kafka === undefined)
    problems.push({ field: 'kafka', message: 'required when outputDestination is "kafka"; give { "topic": "predictions" }' });
  for (const field of ['outputTableName', 'outputPath'] as const) {
    if (input[field] !== undefined) problems.push({ field, message: 'not for outputDestination "kafka"; predictions go to kafka.topic' });
  }
  for (const field of ['saveMode', 'overwrite'] as const) {
    if (input[field] !== undefined) {
      problems.push({
        field,
        message: 'does not apply to a Kafka topic (a run adds its records once; nothing is replaced); remove it',
      });
    }
  }
  return problems;
}

/** The save mode from saveMode, else from the older overwrite flag (false → append), else overwrite. */
export function resolveOutput(spec: {
  outputDestination: OutputDestination;
  outputTableName?: string;
  outputPath?: string;
  kafka?: KafkaBlock;
  saveMode?: SaveMode;
  overwrite?: boolean;
}): OutputFields {
  // A topic only ever receives records: "append" is what happens, and nothing checks emptiness.
  if (spec.outputDestination === 'kafka')
    return { outputDestination: 'kafka', kafka: resolveKafka(spec.kafka!), saveMode: 'append', overwrite: false };
  const saveMode: SaveMode = spec.saveMode ?? (spec.overwrite === false ? 'append' : 'overwrite');
  return {
    outputDestination: spec.outputDestination,
    ...(spec.outputDestination === 'table'
      ? { outputTableName: spec.outputTableName }
      : { outputPath: normalizeOutputPath(spec.outputPath!) }),
    saveMode,
    overwrite: saveMode === 'overwrite',
  };
}
