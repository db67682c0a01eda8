// The kinds of model, one entry each: adding a kind is one file in this folder and one line here.
// Each loads its runtime only when used (onnxruntime is a native library).
import fs from 'node:fs';
import type { ModelKind } from './kind.js';

const KINDS: Record<string, () => Promise<ModelKind>> = {
  onnx: async () => (await import('./onnx.js')).onnxKind,
  js: async () => (await import('./js.js')).jsKind,
  python: async () => (await import('./python.js')).pythonKind,
};

/** Extensions that name a kind when --kind is absent. */
const EXTENSIONS: Record<string, string> = { '.onnx': 'onnx', '.mjs': 'js', '.js': 'js', '.py': 'python' };

export const MODEL_KINDS = Object.keys(KINDS);

export class UnknownModelKindError extends Error {
  constructor(readonly kind: string) {
    super(`unknown model kind "${kind}"; use one of: ${MODEL_KINDS.join(', ')}`);
    this.name = 'UnknownModelKindError';
  }
}

export async function modelKind(kind: string): Promise<ModelKind> {
  const load = Object.hasOwn(KINDS, kind) ? KINDS[kind] : undefined;
  if (!load) throw new UnknownModelKindError(kind);
  return load();
}

/** The kind a file's extension names (a folder holding a .py module: python), or undefined. */
export function kindOfFile(file: string): string | undefined {
  if (fs.statSync(file, { throwIfNoEntry: false })?.isDirectory())
    return fs.readdirSync(file).some((f) => f.endsWith('.py')) ? 'python' : undefined;
  const dot = file.lastIndexOf('.');
  return dot < 0 ? undefined : EXTENSIONS[file.slice(dot).toLowerCase()];
}
