// ONNX scoring throughput in a predictor thread vs on the main thread: a StandardScaler +
// LogisticRegression over 8 features (trained and exported by python, scikit-learn + skl2onnx),
// ROWS rows in record batches of BATCH rows. Run: node --import tsx scripts/bench-onnx-thread.mts [rows] [batch]
import * as arrow from 'apache-arrow';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSession, sessionPredictor } from '../src/models/kinds/onnx.js';
import type { ModelFunction } from '../src/models/modelJson.js';
import { onnxKind } from '../src/models/kinds/onnx.js';
import { threadScorer } from '../src/predictors/isolation/batchScorer.js';
import { PredictorThreads } from '../src/predictors/isolation/predictorThreads.js';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const BATCH = Number(process.argv[3] ?? 100_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-onnx-'));
const file = path.join(dir, 'lr8.onnx');
execFileSync('python3', [
  '-c',
  `
import numpy as np, sys
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import LogisticRegression
from skl2onnx import to_onnx
rng = np.random.default_rng(0); x = rng.normal(size=(5000, 8)); y = (x.sum(1) > 0).astype(int)
m = make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y)
lr = m.steps[-1][1]
open(sys.argv[1], 'wb').write(to_onnx(m, x[:1].astype(np.float32), options={id(lr): {'zipmap': False}}, target_opset=17).SerializeToString())
`,
  file,
]);
const inputs = Array.from({ length: 8 }, (_, i) => `f${i}`);
const fns = await onnxKind.describe(file, { inputs });
const fn = fns.find((f) => f.name === 'predict_proba') as ModelFunction;
const batches: arrow.Table[] = [];
for (let start = 0; start < ROWS; start += BATCH) {
  const n = Math.min(BATCH, ROWS - start);
  const cols: Record<string, Float64Array> = {};
  for (const c of inputs) cols[c] = Float64Array.from({ length: n }, () => Math.random() * 2 - 1);
  batches.push(arrow.tableFromArrays(cols));
}
const context = { runId: 'bench', chunk: 0, worker: 0 } as never;

async function timed(label: string, score: (t: arrow.Table) => Promise<unknown>) {
  await score(batches[0]); // warm-up: session open, thread start
  const t0 = performance.now();
  for (const b of batches) await score(b);
  const s = (performance.now() - t0) / 1000;
  console.log(`${label}: ${ROWS} rows × 8 features in ${s.toFixed(2)} s = ${Math.round(ROWS / s).toLocaleString('en')} rows/s`);
}

const mainSession = await openSession(file);
const mainPredict = await sessionPredictor(mainSession, fn, 'lr8@1');
await timed('main thread (default session options)', (t) => Promise.resolve(mainPredict(t, context)));
const oneThread = await openSession(file, { intraOpNumThreads: 1, interOpNumThreads: 1 });
const onePredict = await sessionPredictor(oneThread, fn, 'lr8@1');
await timed('main thread (intraOpNumThreads 1)', (t) => Promise.resolve(onePredict(t, context)));

const opened = await onnxKind.open(file, { name: 'lr8', version: 1, kind: 'onnx', functions: fns } as never);
const { source } = opened.scorer(fn);
const threads = new PredictorThreads(2048);
const scorer = threadScorer(source!, threads, {
  predictor: 'lr8@1:predict_proba',
  place: { worker: 0, chunk: 0 },
  timeoutPerBatch: 3600,
  bounds: { deadline: Date.now() + 3_600_000, signal: new AbortController().signal, heartbeat: () => {}, heartbeatEveryMs: 60_000 },
});
await timed('predictor thread (intraOpNumThreads 1)', (t) => scorer.score(t, context));
scorer.close();
await threads.close();
await mainSession.release();
await oneThread.release();
fs.rmSync(dir, { recursive: true, force: true });
