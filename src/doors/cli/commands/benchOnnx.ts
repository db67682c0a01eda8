// The bench's ONNX section (issue 12): a SimpleImputer + StandardScaler + LogisticRegression over 8
// numeric features (some NULL), trained by bench/train_onnx.py on a sample of the bench table,
// registered in the bench's registry and scored through the whole pipeline with predict_proba and the
// input columns kept; next to it, the same fitted model in scikit-learn (bench/onnx_peer.py: joblib,
// pandas, one process per core) on the same staged parquet files the run exported.
import fs from 'node:fs';
import path from 'node:path';
import { quoteLiteral } from '../../../spec/identifiers.js';
import {
  benchScript,
  describeSection,
  pythonLacks,
  registerBenchModel,
  runScript,
  SectionSkipped,
  stagedInputFiles,
  warmupRowsFor,
  type SectionContext,
} from './benchModels.js';
import { runPythonPeer } from './benchPeer.js';

const MODEL = 'bench_lr';
const FUNCTION = 'predict_proba';
const FEATURES = Array.from({ length: 8 }, (_, i) => `f${i + 1}`);
const PACKAGES = 'scikit-learn skl2onnx onnx pandas pyarrow joblib';
const MODULES = ['sklearn', 'skl2onnx', 'onnx', 'pandas', 'pyarrow', 'joblib'];
/** Rows the model is trained on (a sample of the table). */
const SAMPLE_ROWS = 20_000;

const table = (rows: number) => `bench.onnx_features_${rows}`;

/** id and f1…f8 in [-0.5, 0.5), each from its own modulus; f2, f5 and f8 are NULL on every 11th, 19th and 23rd row. */
async function prepareOnnxTable(ctx: SectionContext, rows: number): Promise<void> {
  const moduli = [10007, 9973, 9967, 9949, 9941, 9931, 9929, 9923];
  const nulls: Record<number, number> = { 1: 11, 4: 19, 7: 23 };
  const columns = moduli.map((m, k) => {
    const value = `(((i * ${7919 + 104 * k}) % ${m}) / ${m}.0 - 0.5)`;
    const expr = nulls[k] ? `CASE WHEN i % ${nulls[k]} = 0 THEN NULL ELSE ${value} END` : value;
    return `${expr}::DOUBLE AS ${FEATURES[k]}`;
  });
  await ctx.warehouse.withConnection(async (conn) => {
    await conn.run('CREATE SCHEMA IF NOT EXISTS bench');
    await conn.run(`CREATE OR REPLACE TABLE ${table(rows)} AS SELECT i::BIGINT AS id, ${columns.join(', ')} FROM range(${rows}) r(i)`);
  });
}

const spec = (ctx: SectionContext, rows: number, out: string) => ({
  inputQuery: `SELECT id, ${FEATURES.join(', ')} FROM ${table(rows)}`,
  model: { name: MODEL, function: FUNCTION },
  outputTableName: out,
  includeInputColumns: true,
  parallelWorkers: ctx.cores,
  batchSizeInMb: ctx.batchSizeInMb,
});

/** Trains and registers the model; returns the joblib file of the same fitted pipeline, for the peer. */
async function trainAndRegister(ctx: SectionContext, rows: number): Promise<string> {
  const dir = path.join(ctx.dataDir, 'onnx-model');
  fs.mkdirSync(dir, { recursive: true });
  const sample = path.join(dir, 'sample.parquet');
  await ctx.warehouse.withConnection((conn) =>
    conn.run(
      `COPY (SELECT * FROM ${table(rows)} USING SAMPLE reservoir(${SAMPLE_ROWS} ROWS) REPEATABLE (42)) TO ${quoteLiteral(sample)} (FORMAT parquet)`,
    ),
  );
  runScript(ctx.python, 'train_onnx.py', [sample, dir]);
  try {
    await registerBenchModel(ctx, {
      name: MODEL,
      file: path.join(dir, 'model.onnx'),
      description: 'bench: imputer + scaler + LR, 8 features',
    });
  } catch (err) {
    // onnxruntime-node is an optional dependency: without it, this section cannot score.
    if (/onnxruntime-node is not installed/.test((err as Error).message))
      throw new SectionSkipped('ONNX', (err as Error).message, 'npm install onnxruntime-node');
    throw err;
  }
  return path.join(dir, 'model.joblib');
}

export async function onnxSection(ctx: SectionContext, rows: number): Promise<string[]> {
  const lacks = pythonLacks(ctx.python, MODULES);
  if (lacks) throw new SectionSkipped('ONNX', lacks, `install with: ${ctx.python} -m pip install ${PACKAGES}`);
  console.error(`ONNX: ${rows.toLocaleString('en-US')} rows, training ${MODEL} on a sample…`);
  const warmupRows = warmupRowsFor(ctx, rows);
  await prepareOnnxTable(ctx, warmupRows);
  await prepareOnnxTable(ctx, rows);
  const joblibFile = await trainAndRegister(ctx, rows);
  console.error('  running the pipeline…');
  const run = await ctx.runChild(rows, {
    spec: spec(ctx, rows, `bench.onnx_predictions_${rows}`),
    warmup: spec(ctx, warmupRows, 'bench.onnx_predictions_warmup'),
  });
  const files = stagedInputFiles(ctx.dataDir, run.runId);
  console.error(`  scikit-learn peer on the run's ${files.length} staged files…`);
  const peer = await runPythonPeer(
    [benchScript('onnx_peer.py'), joblibFile, FUNCTION, path.join(ctx.dataDir, `onnx-peer-out-${rows}`), String(ctx.cores), ...files],
    ctx.python,
    { peer: 'scikit-learn peer', packages: PACKAGES },
  );
  const model = run.summary.model;
  return describeSection(
    ctx,
    `ONNX model (${model ? `${model.name}@${model.version} ${model.function}` : MODEL}: SimpleImputer + StandardScaler + LogisticRegression over 8 features, probabilities with the input columns kept):`,
    run,
    {
      label: `scikit-learn, the same fitted pipeline by joblib, pandas, Pool(${ctx.cores}), the run's ${files.length} staged files`,
      result: peer,
    },
    { ratio: 1, text: 'ours at least as fast, ≤ 1.00×' },
  );
}
