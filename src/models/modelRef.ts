// A reference to a registered model: "churn", "churn@3", or { name, version?, function? }. Names and
// versions become stage keys (models/<name>/<version>/), so they are validated to stay one path segment.
import { z } from 'zod';

/** Letters, digits, '_', '-' and single dots inside; never '/', '\\', '..', a leading dot or '@'. */
export const MODEL_NAME = /^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const MODEL_NAME_HELP = 'use 1-64 letters, digits, "_", "-" or "." (no "/", no "..", not starting with ".")';
export const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const MAX_VERSION = 999_999_999;

export interface ModelRef {
  name: string;
  /** Absent: the latest version, resolved once when the run starts. */
  version?: number;
  /** Absent: the model's first function. */
  function?: string;
}

/** A model version as a run used it: what the summary, memo and status record. */
export interface ResolvedModel {
  name: string;
  version: number;
  function: string;
  kind: string;
  sha256: string;
}

export const isModelName = (name: string) => MODEL_NAME.test(name);

const versionSchema = z.coerce
  .number({ error: 'use a whole version number like 3' })
  .int('use a whole version number like 3')
  .min(1, 'versions start at 1')
  .max(MAX_VERSION, `use at most ${MAX_VERSION}`);

const nameSchema = z.string().regex(MODEL_NAME, MODEL_NAME_HELP);

const objectRef = z
  .object({
    name: nameSchema,
    version: versionSchema.optional(),
    function: z.string().regex(FUNCTION_NAME, 'use a function name like predict or predict_proba (letters, digits, _)').optional(),
  })
  .strict();

const stringRef = z
  .string()
  .min(1, 'name a registered model, e.g. "churn" or "churn@3"')
  .transform((s, ctx) => {
    const at = s.lastIndexOf('@');
    const name = at < 0 ? s : s.slice(0, at);
    if (!MODEL_NAME.test(name)) {
      ctx.addIssue({ code: 'custom', message: `"${s}" is not a model name; ${MODEL_NAME_HELP}, optionally followed by @<version>` });
      return z.NEVER;
    }
    if (at < 0) return { name };
    const version = s.slice(at + 1);
    if (!/^[1-9][0-9]{0,8}$/.test(version)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${version}" is not a version; use ${name}@<whole number from 1>, or ${name} for the latest`,
      });
      return z.NEVER;
    }
    return { name, version: Number(version) };
  });

/**
 * The spec's `model` field (and HTTP model_id): a string or an object. Dispatched by type rather than a
 * z.union, so the user sees the precise problem (e.g. the name rule) instead of "matches neither".
 */
export const modelRefSchema = z.unknown().transform((value, ctx): ModelRef => {
  const parsed = typeof value === 'string' ? stringRef.safeParse(value) : objectRef.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const message =
      issue.code === 'invalid_type' && issue.path.length === 0
        ? 'give a model as "name", "name@version" or { "name": ..., "version": ..., "function": ... }'
        : issue.code === 'unrecognized_keys'
          ? `unknown field(s) ${issue.keys.join(', ')}; a model object takes name, version and function`
          : issue.message;
    ctx.addIssue({ code: 'custom', path: issue.path, message });
  }
  return z.NEVER;
});

export class ModelRefError extends Error {
  constructor(
    readonly input: unknown,
    readonly problem: string,
  ) {
    super(`Invalid model reference ${JSON.stringify(input)}: ${problem}`);
    this.name = 'ModelRefError';
  }
}

/** Parses a reference from a door (CLI argument, HTTP path); throws ModelRefError naming the problem. */
export function parseModelRef(input: unknown): ModelRef {
  const parsed = modelRefSchema.safeParse(input);
  if (!parsed.success) throw new ModelRefError(input, parsed.error.issues.map((i) => i.message).join('; '));
  return parsed.data;
}

export const modelRefText = (ref: { name: string; version?: number }) => (ref.version ? `${ref.name}@${ref.version}` : ref.name);

/** The stage folder of a model, or of one of its versions. Only ever called with validated parts. */
export function modelPrefix(name: string, version?: number): string {
  if (!MODEL_NAME.test(name)) throw new ModelRefError(name, MODEL_NAME_HELP);
  if (version !== undefined && !(Number.isInteger(version) && version >= 1 && version <= MAX_VERSION))
    throw new ModelRefError(version, 'not a version number');
  return version === undefined ? `models/${name}` : `models/${name}/${version}`;
}
