// ONNX models through onnxruntime-node (its CPU build). At registration the file's inputs and outputs
// become functions: a classifier exported by skl2onnx with zipmap off gives `predict` (label) and
// `predict_proba` (proba_<class> per class); any other model gives `predict` with one column per
// output. In the worker each predictor thread opens its own InferenceSession per version (onnxThread.ts)
// and reuses it for every chunk it scores. A NULL feature reaches the model as NaN.
import * as arrow from 'apache-arrow';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IDENTIFIER } from '../../spec/identifiers.js';
import { MissingInputColumnsError, ModelInputTypeError, UnsupportedModelError } from '../errors.js';
import type { ModelFunction, ModelJson } from '../modelJson.js';
import type { DescribeOptions, ModelKind, OpenedModel } from './kind.js';
import { readOnnxFacts } from './onnxProto.js';
import type { OnnxThreadInit } from './onnxThread.js';
import type { Predictor } from '../../predictors/types.js';
import type * as Ort from 'onnxruntime-node';

let ortModule: Promise<typeof Ort> | undefined;
/**
 * An optional dependency: an install that could not fetch its native parts (its install script
 * downloads from outside the registry unless .npmrc says onnxruntime-node-install=skip) leaves it out.
 */
const ort = () =>
  (ortModule ??= import('onnxruntime-node').catch((err: unknown) => {
    ortModule = undefined;
    throw new UnsupportedModelError(
      'onnx',
      `onnxruntime-node is not installed (${(err as Error).message}); install it with onnxruntime-node-install=skip in .npmrc: npm install onnxruntime-node`,
    );
  }));

const INPUT_TYPES = ['float32', 'float64'] as const;
type InputType = (typeof INPUT_TYPES)[number];

/** Warehouse column types of the tensor element types we write out. */
const OUTPUT_TYPES: Record<string, string> = {
  float32: 'DOUBLE',
  float64: 'DOUBLE',
  int64: 'BIGINT',
  int32: 'INTEGER',
  bool: 'BOOLEAN',
  string: 'VARCHAR',
};

const ZIPMAP_FIX =
  "export the classifier with skl2onnx's options={id(model): {'zipmap': False}} (or options={'zipmap': False}) so probabilities are a tensor";

interface TensorInfo {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: (number | string)[];
}

const safeColumn = (s: string) => {
  const c = String(s).replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(c) ? c : `_${c}`;
};

function widthOf(info: TensorInfo): number | undefined {
  const shape = info.shape ?? [];
  if (shape.length <= 1) return 1;
  if (shape.length === 2) return typeof shape[1] === 'number' && shape[1] > 0 ? shape[1] : undefined;
  return undefined;
}

export async function openSession(file: string, options?: Ort.InferenceSession.SessionOptions) {
  const { InferenceSession } = await ort();
  try {
    return await InferenceSession.create(file, options ?? {});
  } catch (err) {
    throw new UnsupportedModelError(path.basename(file), `onnxruntime cannot load it: ${(err as Error).message}`);
  }
}

async function describe(file: string, options: DescribeOptions): Promise<ModelFunction[]> {
  const session = await openSession(file);
  try {
    const name = path.basename(file);
    const facts = (() => {
      try {
        return readOnnxFacts(new Uint8Array(readFileSync(file)));
      } catch (err) {
        throw new UnsupportedModelError(name, `not a readable ONNX file: ${(err as Error).message}`);
      }
    })();
    const inputsMeta = session.inputMetadata as unknown as TensorInfo[];
    const outputsMeta = session.outputMetadata as unknown as TensorInfo[];
    const zipmap = outputsMeta.find((o) => !o.isTensor);
    if (zipmap)
      throw new UnsupportedModelError(name, `output "${zipmap.name}" is a sequence of maps (ZipMap), not a tensor; ${ZIPMAP_FIX}`);
    for (const i of inputsMeta) {
      if (!i.isTensor || !INPUT_TYPES.includes(i.type as InputType))
        throw new UnsupportedModelError(
          name,
          `input "${i.name}" is ${i.type ?? 'not a tensor'}; only float32 and float64 tensor inputs are supported`,
        );
    }

    // Inputs: one [rows, features] tensor whose columns are named elsewhere, or one [rows] / [rows, 1] tensor per column.
    let inputs: string[];
    let layout: 'matrix' | 'named';
    const matrix = inputsMeta.length === 1 && (inputsMeta[0].shape?.length ?? 0) === 2 && widthOf(inputsMeta[0]) !== 1;
    if (matrix) {
      layout = 'matrix';
      const given = options.inputs ?? facts.metadata.feature_names?.split(',').map((s) => s.trim());
      if (!given?.length)
        throw new UnsupportedModelError(
          name,
          `its input "${inputsMeta[0].name}" is one [rows, features] tensor and nothing names the features; register with --inputs col1,col2,... (in the tensor's order), or set the ONNX metadata_props "feature_names"`,
        );
      const width = widthOf(inputsMeta[0]);
      if (width !== undefined && width !== given.length)
        throw new UnsupportedModelError(
          name,
          `its input takes ${width} features but ${given.length} input columns were named (${given.join(', ')})`,
        );
      inputs = given;
    } else {
      layout = 'named';
      for (const i of inputsMeta) {
        if (widthOf(i) !== 1)
          throw new UnsupportedModelError(
            name,
            `input "${i.name}" has shape [${i.shape?.join(', ')}]; use [rows] or [rows, 1] per column, or one [rows, features] tensor`,
          );
      }
      inputs = inputsMeta.map((i) => i.name);
    }
    const badColumn = inputs.find((c) => !IDENTIFIER.test(c));
    if (badColumn !== undefined)
      throw new UnsupportedModelError(name, `input column "${badColumn}" is not a column name (letters, digits, _ and $)`);
    if (new Set(inputs.map((c) => c.toLowerCase())).size !== inputs.length)
      throw new UnsupportedModelError(name, `input columns repeat a name: ${inputs.join(', ')}`);
    const binding = { layout, inputNames: inputsMeta.map((i) => i.name), inputType: inputsMeta[0].type! };

    const label = outputsMeta.find((o) => o.name === 'label');
    const probabilities = outputsMeta.find((o) => o.name === 'probabilities');
    if (label && probabilities) {
      const classCount = widthOf(probabilities);
      const classes = facts.classes ?? (classCount ? [...Array(classCount).keys()] : undefined);
      if (!classes?.length || (classCount !== undefined && classCount !== classes.length))
        throw new UnsupportedModelError(name, 'the classifier does not say how many classes it has');
      return [
        {
          name: 'predict',
          inputs,
          outputs: [{ name: 'label', type: OUTPUT_TYPES[label.type!] ?? 'VARCHAR' }],
          binding: { ...binding, outputs: ['label'] },
        },
        {
          name: 'predict_proba',
          inputs,
          outputs: classes.map((c) => ({ name: safeColumn(`proba_${String(c)}`), type: 'DOUBLE' })),
          binding: { ...binding, outputs: ['probabilities'] },
        },
      ];
    }
    const outputs: ModelFunction['outputs'] = [];
    for (const o of outputsMeta) {
      const type = OUTPUT_TYPES[o.type!];
      const width = widthOf(o);
      if (!type || width === undefined)
        throw new UnsupportedModelError(name, `output "${o.name}" (${o.type} [${o.shape?.join(', ')}]) cannot be a column`);
      const base = safeColumn(o.name);
      if (width === 1) outputs.push({ name: base, type });
      else for (let k = 0; k < width; k++) outputs.push({ name: `${base}_${k}`, type });
    }
    return [{ name: 'predict', inputs, outputs, binding: { ...binding, outputs: outputsMeta.map((o) => o.name) } }];
  } finally {
    await session.release();
  }
}

/** Fills `out` (row-major, `width` values per row) at column `col` from an Arrow column; NULL → NaN. */
function fillColumn(vector: arrow.Vector, out: Float32Array | Float64Array, width: number, col: number): void {
  let row = 0;
  const numeric = arrow.DataType.isFloat(vector.type) || arrow.DataType.isInt(vector.type);
  for (const data of vector.data) {
    const values = data.values as ArrayLike<number | bigint> | undefined;
    const n = data.length;
    const fast =
      numeric &&
      values &&
      !(values instanceof BigInt64Array || values instanceof BigUint64Array) &&
      (arrow.DataType.isFloat(vector.type) ? (vector.type as arrow.Float).precision !== arrow.Precision.HALF : true);
    if (fast && data.nullCount === 0 && width === 1) {
      // One native conversion of the whole buffer: no per-value JS.
      out.set((values as Float64Array).subarray(0, n), row);
    } else if (fast) {
      const v = values as Float64Array;
      const bitmap = data.nullCount > 0 ? data.nullBitmap : null;
      for (let i = 0; i < n; i++) {
        // Arrow slices the values buffer to the data, but not the validity bitmap.
        const j = data.offset + i;
        out[(row + i) * width + col] = bitmap && !(bitmap[j >> 3] & (1 << (j & 7))) ? NaN : v[i];
      }
    } else {
      const chunk = arrow.makeVector(data);
      for (let i = 0; i < n; i++) {
        const v = chunk.get(i) as unknown;
        out[(row + i) * width + col] = v === null || v === undefined ? NaN : Number(v);
      }
    }
    row += n;
  }
}

/** How a function's columns bind to the session's tensors, as describe() recorded it in model.json. */
interface OnnxBinding {
  layout: 'matrix' | 'named';
  inputNames: string[];
  inputType: InputType;
  outputs: string[];
}

/**
 * The one place record batches become input tensors and output tensors become columns: used by the
 * predictor thread (onnxThread.ts) and by the main-thread fallback below.
 */
export async function sessionPredictor(session: Ort.InferenceSession, fn: ModelFunction, ref: string): Promise<Predictor> {
  const { Tensor } = await ort();
  const binding = fn.binding as unknown as OnnxBinding;
  // Input tensors and output columns are written into buffers kept from batch to batch: fresh ones for
  // every batch made V8 collect every few batches (external memory), its marking threads taking a
  // core from the scoring threads. Whoever calls a predictor is done with its columns before the
  // next call (the chunk loops append them first; a predictor thread copies what it hands back).
  const inputs = new Map<string, Float32Array | Float64Array>();
  const outputs = new Map<string, Float64Array>();
  const Array_ = binding.inputType === 'float64' ? Float64Array : Float32Array;
  const reused = <T extends Float32Array | Float64Array>(kept: Map<string, T>, key: string, make: (n: number) => T, n: number): T => {
    let buffer = kept.get(key);
    // A buffer handed to another thread is detached (length 0): replaced like one that is too small.
    if (!buffer || buffer.length < n || buffer.length === 0) kept.set(key, (buffer = make(n)));
    return buffer.subarray(0, n) as T;
  };
  const make = (n: number) => new Array_(n);
  const double = (n: number) => new Float64Array(n);
  // No caller overlaps calls (see Predictor), but should one, a second call in flight gets buffers of
  // its own: onnxruntime reads the input tensor after run() yields, so sharing would mix the batches.
  let inFlight = 0;
  return async (table) => {
    inFlight++;
    try {
      return await score(table, inFlight === 1);
    } finally {
      inFlight--;
    }
  };

  async function score(table: arrow.Table, share: boolean): Promise<Record<string, ArrayLike<unknown>>> {
    const buffer = <T extends Float32Array | Float64Array>(kept: Map<string, T>, key: string, fresh: (n: number) => T, n: number) =>
      share ? reused(kept, key, fresh, n) : fresh(n);
    const available = table.schema.fields.map((f) => f.name);
    const byLower = new Map(available.map((n) => [n.toLowerCase(), n]));
    const missing = fn.inputs.filter((c) => !byLower.has(c.toLowerCase()));
    if (missing.length) throw new MissingInputColumnsError(ref, missing, available);
    for (const c of fn.inputs) {
      const type = table.getChild(byLower.get(c.toLowerCase())!)!.type;
      // Number() of a string or a date would be NaN or a timestamp: refused rather than scored.
      if (!(arrow.DataType.isFloat(type) || arrow.DataType.isInt(type) || arrow.DataType.isBool(type) || arrow.DataType.isNull(type)))
        throw new ModelInputTypeError(ref, c, String(type));
    }
    const rows = table.numRows;
    const feeds: Record<string, InstanceType<typeof Tensor>> = {};
    if (binding.layout === 'matrix') {
      const width = fn.inputs.length;
      const data = buffer(inputs, binding.inputNames[0], make, rows * width);
      fn.inputs.forEach((c, j) => fillColumn(table.getChild(byLower.get(c.toLowerCase())!)!, data, width, j));
      feeds[binding.inputNames[0]] = new Tensor(binding.inputType, data, [rows, width]);
    } else {
      fn.inputs.forEach((c, j) => {
        const data = buffer(inputs, binding.inputNames[j], make, rows);
        fillColumn(table.getChild(byLower.get(c.toLowerCase())!)!, data, 1, 0);
        feeds[binding.inputNames[j]] = new Tensor(binding.inputType, data, [rows, 1]);
      });
    }
    const results = await session.run(feeds, binding.outputs);
    const columns: Record<string, ArrayLike<unknown>> = {};
    let next = 0;
    for (const outName of binding.outputs) {
      const t = results[outName];
      const width = t.dims.length > 1 ? Number(t.dims[1]) : 1;
      const data = t.data as ArrayLike<unknown>;
      for (let k = 0; k < width; k++) {
        const column = fn.outputs[next++];
        if (!column) break;
        // A row count other than the input's is left as it came, for normalizeOutput to report.
        if (width === 1 && t.type === 'float32' && data.length === rows) {
          const values = buffer(outputs, column.name, double, rows);
          values.set(data as Float32Array);
          columns[column.name] = values;
        } else if (width === 1) columns[column.name] = t.type === 'float32' ? Float64Array.from(data as Float32Array) : data;
        else {
          const values = buffer(outputs, column.name, double, rows);
          const src = data as Float32Array;
          for (let i = 0; i < rows; i++) values[i] = src[i * width + k];
          columns[column.name] = values;
        }
      }
    }
    return columns;
  }
}

// Same extension as this file: .ts when run from src/ (the thread registers tsx), .js from dist/.
const THREAD_MODULE = new URL(`./onnxThread${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url).href;

async function open(file: string, model: ModelJson): Promise<OpenedModel> {
  const ref = `${model.name}@${model.version}`;
  // onnxruntime runs a graph synchronously: on the main thread a model that never ends would stop
  // every timer (timeouts, heartbeats, cancellation, polling). So each function runs in a predictor
  // thread (source), which can be terminated; the main-thread session is only opened, when first
  // called, by a worker without threads (code that injects its own activities).
  let session: Promise<Ort.InferenceSession> | undefined;
  return {
    scorer(fn) {
      let predictor: Promise<Predictor> | undefined;
      const predict: Predictor = async (input, context) => {
        predictor ??= (session ??= openSession(file)).then((s) => sessionPredictor(s, fn, ref));
        return (await predictor)(input, context);
      };
      const init: OnnxThreadInit = { file: path.resolve(file), ref, fn };
      return { predict, source: { moduleUrl: THREAD_MODULE, exportName: 'onnxThreadPredictor', init } };
    },
    async close() {
      const s = session;
      session = undefined;
      if (s) await (await s).release();
    },
  };
}

export const onnxKind: ModelKind = {
  kind: 'onnx',
  extensions: ['.onnx'],
  storedExtension: '.onnx',
  describe,
  open,
};
