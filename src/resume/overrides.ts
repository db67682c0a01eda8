// What a resume may change. The finished chunks were scored from the failed run's input, by its model,
// for its output: a resume that changed any of those would publish a mix of two runs. Only operational
// fields (how long, how often, how wide) may change; batchSizeInMb defines the chunk plan the finished
// chunks belong to, so it may only be repeated, not changed.
import { SpecError, type FieldProblem } from '../spec/errors.js';
import type { ResolvedModel } from '../models/modelRef.js';
import type { ResolvedSpec } from '../spec/types.js';

/** Job spec fields a resume may set (`--set field=value`, `resumeRun(runId, overrides)`). */
export const RESUME_FIELDS = ['timeoutPerBatch', 'heartbeatTimeout', 'retries', 'parallelWorkers', 'batchRows', 'timeoutMinutes'] as const;
export type ResumeField = (typeof RESUME_FIELDS)[number];

/** Fields a resume may repeat with the failed run's value, never change. */
const FIXED_BY_PLAN = ['batchSizeInMb'] as const;

/**
 * Resolved spec fields that may differ between the failed run and its resume (the rest must be equal).
 * `modelRef` is the model as asked ("churn"); the resume asks for the version the failed run resolved
 * (pinModelVersion), and the resolved `model`, sha256 included, is compared instead.
 */
export const RESOLVED_OPERATIONAL: readonly (keyof ResolvedSpec)[] = [...RESUME_FIELDS, 'modelRef'];

/**
 * The failed run scored with one model version: the rest of its chunks must be scored with the same one,
 * even when a newer version has been registered since ("churn" means the latest at the start).
 */
export function pinModelVersion(spec: Record<string, unknown>, resolved: unknown): Record<string, unknown> {
  if (spec.model === undefined || typeof resolved !== 'object' || resolved === null) return spec;
  const { name, version, function: fn } = resolved as Partial<ResolvedModel>;
  if (typeof name !== 'string' || typeof version !== 'number' || typeof fn !== 'string') return spec;
  return { ...spec, model: { name, version, function: fn } };
}

/** A resume's overrides that are not allowed: each field, what it got and the fix. */
export class ResumeOverrideError extends SpecError {
  constructor(
    readonly runId: string,
    problems: FieldProblem[],
  ) {
    super(problems);
    this.message = `Cannot resume ${runId} with these changes:\n${problems.map((p) => `  - ${p.field}: ${p.message}`).join('\n')}`;
  }
}

const show = (v: unknown) => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The failed run's spec with the overrides applied. Throws ResumeOverrideError naming every field that
 * may not change; the values of allowed fields are validated with the rest of the spec afterwards.
 */
export function applyOverrides(runId: string, original: Record<string, unknown>, overrides: unknown): Record<string, unknown> {
  if (overrides === undefined || overrides === null) return { ...original };
  if (!isRecord(overrides)) {
    throw new ResumeOverrideError(runId, [{ field: '(overrides)', message: `got ${show(overrides)}; pass an object of field: value` }]);
  }
  const problems: FieldProblem[] = [];
  for (const [field, value] of Object.entries(overrides)) {
    if ((RESUME_FIELDS as readonly string[]).includes(field)) continue;
    if ((FIXED_BY_PLAN as readonly string[]).includes(field)) {
      const before = original[field] ?? 256;
      if (value === before) continue;
      problems.push({
        field,
        message: `got ${show(value)}, but the failed run's chunks were cut at ${show(before)} MB and its finished chunks keep that plan; leave it out (batchRows sets the rows per predictor call), or start a new run`,
      });
      continue;
    }
    problems.push({
      field,
      message: `got ${show(value)}, but only ${RESUME_FIELDS.join(', ')} may change on a resume: the finished chunks were scored with the failed run's query, model and output; leave it out, or start a new run with \`batch-inference run\``,
    });
  }
  if (problems.length) throw new ResumeOverrideError(runId, problems);
  return { ...original, ...overrides };
}

/**
 * The worker's own check (whoever started the resume): every resolved field other than the operational
 * ones equals the failed run's. A {schema} or predictor renamed on the worker since then shows up here.
 */
export function changedFields(failed: ResolvedSpec, resumed: ResolvedSpec): string[] {
  const keys = new Set([...Object.keys(failed), ...Object.keys(resumed)] as (keyof ResolvedSpec)[]);
  return [...keys].filter((k) => !RESOLVED_OPERATIONAL.includes(k) && JSON.stringify(failed[k]) !== JSON.stringify(resumed[k])).sort();
}
