// What every door does to a spec before a run starts: validate it (SpecError naming every bad field) and
// inline a .sql file, so the worker never needs the submitting machine's files.
import type { Config } from '../config.js';
import { resolveSpec } from './jobSpec.js';
import { checkSpecSize } from './specSize.js';
import { readSqlFileInside } from './sqlFile.js';

/** Predictor names are checked by the worker, which knows its predictors. */
export function prepareSpecForStart(spec: unknown, config: Config, baseDir = process.cwd()): Record<string, unknown> {
  const readSqlFile = (p: string) => readSqlFileInside(baseDir, p);
  resolveSpec(spec, {
    schema: config.schema,
    defaultParallelism: config.defaultParallelism,
    maxSplits: config.maxSplits,
    readSqlFile,
  });
  const copy = { ...(spec as Record<string, unknown>) };
  const query = String(copy.inputQuery).trim();
  if (/\.sql$/i.test(query) && !/\s/.test(query)) copy.inputQuery = readSqlFile(query);
  checkSpecSize(copy);
  return copy;
}

/** What a run's memo says about it: who owns it and where its output goes. Never credentials. */
export function runMemo(spec: Record<string, unknown>, tenant: string): Record<string, unknown> {
  const memo: Record<string, unknown> = { tenant, destination: spec.outputDestination ?? 'table' };
  if (spec.predictor !== undefined) memo.predictor = spec.predictor;
  // The model as asked for; the run adds the resolved version and sha256 (memo.model) when it starts.
  if (spec.model !== undefined) memo.modelRef = spec.model;
  if (spec.outputTableName !== undefined) memo.outputTableName = spec.outputTableName;
  if (spec.outputPath !== undefined) memo.outputPath = spec.outputPath;
  const kafka = spec.kafka as { topic?: unknown } | undefined;
  if (typeof kafka?.topic === 'string') memo.kafkaTopic = kafka.topic;
  return memo;
}
