// An ONNX model's predictor fills the same input tensor and output columns from batch to batch
// (onnx.ts: fresh buffers per batch made V8 collect every few batches). Batches that grow and shrink
// must each get exactly their own answers: a buffer longer than the batch, or one left over from a
// larger batch, must never show through. A model built here with the onnx package: Y = X · I[3×2]
// (a, b) and Z = a + b + c, so every value is known.
import * as arrow from 'apache-arrow';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ModelFunction } from '../src/models/modelJson.js';
import { openSession, sessionPredictor } from '../src/models/kinds/onnx.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-onnx-reuse-'));
const file = path.join(dir, 'sum.onnx');

beforeAll(() => {
  const script = `
import numpy as np, onnx
from onnx import helper, TensorProto, numpy_helper
X = helper.make_tensor_value_info('X', TensorProto.FLOAT, [None, 3])
Y = helper.make_tensor_value_info('Y', TensorProto.FLOAT, [None, 2])
Z = helper.make_tensor_value_info('Z', TensorProto.FLOAT, [None])
W = numpy_helper.from_array(np.array([[1, 0], [0, 1], [0, 0]], dtype=np.float32), 'W')
axes = numpy_helper.from_array(np.array([1], dtype=np.int64), 'axes')
graph = helper.make_graph([helper.make_node('MatMul', ['X', 'W'], ['Y']), helper.make_node('ReduceSum', ['X', 'axes'], ['Z'], keepdims=0)],
                          'sum', [X], [Y, Z], [W, axes])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)], ir_version=8), ${JSON.stringify(file)})
`;
  execFileSync(process.env.BATCH_PYTHON ?? 'python3', ['-c', script]);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const fn = {
  name: 'predict',
  inputs: ['a', 'b', 'c'],
  outputs: [
    { name: 'y_0', type: 'DOUBLE' },
    { name: 'y_1', type: 'DOUBLE' },
    { name: 'z', type: 'DOUBLE' },
  ],
  binding: { layout: 'matrix', inputNames: ['X'], inputType: 'float32', outputs: ['Y', 'Z'] },
} as unknown as ModelFunction;

/** a = k + i, b = 2k, c = 1 (c NULL on every 3rd row: NaN reaches the model, and every output is NaN there). */
function batch(rows: number, k: number): arrow.Table {
  const c = arrow.vectorFromArray(
    Array.from({ length: rows }, (_, i) => (nullRow(i) ? null : 1)),
    new arrow.Float64(),
  );
  return new arrow.Table({
    a: arrow.makeVector(Float64Array.from({ length: rows }, (_, i) => k + i)),
    b: arrow.makeVector(Float64Array.from({ length: rows }, () => 2 * k)),
    c,
  });
}

const nullRow = (i: number) => i % 3 === 2;
const expected = (rows: number, k: number) => ({
  y_0: Array.from({ length: rows }, (_, i) => (nullRow(i) ? NaN : k + i)),
  y_1: Array.from({ length: rows }, (_, i) => (nullRow(i) ? NaN : 2 * k)),
  z: Array.from({ length: rows }, (_, i) => (nullRow(i) ? NaN : k + i + 2 * k + 1)),
});

it('gives each batch exactly its own answers while the batches grow and shrink', async () => {
  const predict = await sessionPredictor(await openSession(file), fn, 'sum@1');
  const context = { runId: 'r', worker: 0, chunk: 0, batch: 0 };
  for (const [rows, k] of [
    [1000, 100],
    [4, 1],
    [0, 5],
    [1200, 7],
    [3, 9],
  ]) {
    const out = (await predict(batch(rows, k), context)) as Record<string, Float64Array>;
    const got = Object.fromEntries(['y_0', 'y_1', 'z'].map((name) => [name, Array.from(out[name])]));
    expect(got, `${rows} rows`).toEqual(expected(rows, k));
  }
});

it('gives overlapping calls their own buffers (onnxruntime reads the input after run() yields)', async () => {
  const predict = await sessionPredictor(await openSession(file), fn, 'sum@1');
  const context = { runId: 'r', worker: 0, chunk: 0, batch: 0 };
  const [first, second] = (await Promise.all([predict(batch(500, 1000), context), predict(batch(500, 1), context)])) as Record<
    string,
    Float64Array
  >[];
  expect(Array.from(first.z)).toEqual(expected(500, 1000).z);
  expect(Array.from(second.z)).toEqual(expected(500, 1).z);
});
