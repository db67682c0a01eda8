// model.json: what a registered version is. Read back from the stage, where anyone with write access
// could have put anything, so it is parsed as hostile input: strict shapes, bounded sizes, safe names.
import { z } from 'zod';
import { FUNCTION_NAME, MAX_VERSION, MODEL_NAME } from './modelRef.js';
import { IDENTIFIER } from '../spec/identifiers.js';

export const MODEL_JSON = 'model.json';
export const MODEL_JSON_FORMAT = 1;

/** The artifact's file name inside the version folder: content-addressed, so racing writers never overwrite each other's bytes. */
export const ARTIFACT_FILE = /^artifact-[0-9a-f]{16}\.(onnx|mjs|js|pkl|joblib|py|tar)$/;

const column = z.string().regex(IDENTIFIER, 'a column name (letters, digits, _ and $)').max(128);

const outputColumn = z
  .object({
    name: column,
    /** A column type the output writer knows, e.g. DOUBLE, BIGINT, VARCHAR. */
    type: z.string().regex(/^[A-Z][A-Z0-9_]{0,31}$/),
  })
  .strict();

export const modelFunctionSchema = z
  .object({
    name: z.string().regex(FUNCTION_NAME),
    /** Input columns in the order the model takes them; empty: the function takes whatever columns the query gives. */
    inputs: z.array(column).max(10_000),
    /** Empty: whatever the function returns (JS modules). */
    outputs: z.array(outputColumn).max(10_000),
    /** Kind-specific wiring (e.g. ONNX input and output tensor names), read only by that kind. */
    binding: z
      .record(
        z.string().max(64),
        z.union([z.string().max(256), z.number(), z.array(z.union([z.string().max(256), z.number()])).max(10_000)]),
      )
      .optional(),
  })
  .strict();

export type ModelFunction = z.infer<typeof modelFunctionSchema>;

export const modelJsonSchema = z
  .object({
    format: z.literal(MODEL_JSON_FORMAT),
    name: z.string().regex(MODEL_NAME),
    version: z.number().int().min(1).max(MAX_VERSION),
    kind: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/),
    artifact: z
      .object({
        file: z.string().regex(ARTIFACT_FILE),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
        size: z.number().int().min(0),
      })
      .strict(),
    functions: z.array(modelFunctionSchema).min(1).max(100),
    createdAt: z.iso.datetime(),
    description: z.string().max(4000).optional(),
    /** A Python model folder's requirements.txt, recorded as it was (not installed). */
    requirements: z.string().max(65_536).optional(),
  })
  .strict();

export type ModelJson = z.infer<typeof modelJsonSchema>;

export class BadModelJsonError extends Error {
  constructor(
    readonly key: string,
    readonly problem: string,
  ) {
    super(`${key} is not a valid model.json (${problem}); delete the version and register it again`);
    this.name = 'BadModelJsonError';
  }
}

/** Parses model.json read from `key`, and checks it describes the version folder it sits in. */
export function parseModelJson(raw: unknown, key: string, expected: { name: string; version: number }): ModelJson {
  const parsed = modelJsonSchema.safeParse(raw);
  if (!parsed.success)
    throw new BadModelJsonError(
      key,
      parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; '),
    );
  const m = parsed.data;
  if (m.name !== expected.name || m.version !== expected.version)
    throw new BadModelJsonError(key, `it says ${m.name}@${m.version}, but sits in the folder of ${expected.name}@${expected.version}`);
  return m;
}
