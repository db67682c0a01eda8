// The bench's Python section (issue 13): seed 000's predict_fn, exactly as written
// (test/fixtures/python/seed000/model.py), registered as a `python` model and scored through the whole
// pipeline; next to it, the plain multiprocessing script a user writes without us (bench/python_peer.py:
// pyarrow record batches → pandas → predict_fn → parquet, one process per core) on the same staged
// parquet files the run exported; then the per-batch transfer cost (Arrow IPC both ways) on one process.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  benchScript,
  describeSection,
  pythonLacks,
  registerBenchModel,
  SectionSkipped,
  stagedInputFiles,
  warmupRowsFor,
  type SectionContext,
} from './benchModels.js';
import { runPythonPeer } from './benchPeer.js';
import { describeTransfer, measurePythonTransfer } from './benchTransfer.js';

const MODEL = 'bench_seed000';
const FUNCTION = 'predict_fn';
const PACKAGES = 'pandas pyarrow';
/** Record batches of the run (spec.batchRows) and of the peer: the same size on both sides. */
const BATCH_ROWS = 131_072;

/** Seed 000's module: copied into dist/bench/ by scripts/copy-assets.mjs; the test fixture in a checkout run by tsx. */
function seedModel(): string {
  try {
    return benchScript('seed000/model.py');
  } catch {
    return fileURLToPath(new URL('../../../../test/fixtures/python/seed000/model.py', import.meta.url));
  }
}

const spec = (ctx: SectionContext, rows: number, out: string) => ({
  inputQuery: `SELECT id, feature_1, feature_2 FROM bench.features_${rows}`,
  model: { name: MODEL, function: FUNCTION },
  outputTableName: out,
  parallelWorkers: ctx.cores,
  batchSizeInMb: ctx.batchSizeInMb,
  batchRows: BATCH_ROWS,
});

export async function pythonSection(ctx: SectionContext, rows: number): Promise<string[]> {
  const lacks = pythonLacks(ctx.python, ['pandas', 'pyarrow']);
  if (lacks) throw new SectionSkipped('Python', lacks, `install with: ${ctx.python} -m pip install ${PACKAGES}`);
  console.error(`Python: ${rows.toLocaleString('en-US')} rows with seed 000's ${FUNCTION}…`);
  const model = seedModel();
  const warmupRows = warmupRowsFor(ctx, rows);
  await ctx.prepareTable(warmupRows);
  await ctx.prepareTable(rows);
  await registerBenchModel(ctx, { name: MODEL, file: model, description: "bench: seed 000's predict_fn" });
  const run = await ctx.runChild(rows, {
    spec: spec(ctx, rows, `bench.python_predictions_${rows}`),
    warmup: spec(ctx, warmupRows, 'bench.python_predictions_warmup'),
  });
  const files = stagedInputFiles(ctx.dataDir, run.runId);
  console.error(`  multiprocessing peer on the run's ${files.length} staged files…`);
  const out = path.join(ctx.dataDir, `python-peer-out-${rows}`);
  fs.mkdirSync(out, { recursive: true });
  const peer = await runPythonPeer(
    [benchScript('python_peer.py'), model, FUNCTION, out, String(ctx.cores), String(BATCH_ROWS), ...files],
    ctx.python,
    { peer: 'multiprocessing peer', packages: PACKAGES },
  );
  console.error('  transfer cost on one process…');
  const transfer = await measurePythonTransfer({
    python: ctx.python,
    model,
    functionName: FUNCTION,
    input: files[0],
    batchRows: BATCH_ROWS,
  });
  const [cost, where] = describeTransfer(transfer);
  return [
    ...describeSection(
      ctx,
      `Python model (${MODEL}@${run.summary.model?.version ?? '?'} ${FUNCTION}, seed 000's function as written, batches of ${BATCH_ROWS.toLocaleString('en-US')} rows):`,
      run,
      {
        label: `bench/python_peer.py: pyarrow batches → pandas → ${FUNCTION} → parquet, Pool(${ctx.cores}), the run's ${files.length} staged files`,
        result: peer,
      },
      { ratio: 1.2, text: '≤ 1.20×' },
    ),
    `  transfer (Arrow IPC both ways): ${cost}`,
    `    ${where}`,
  ];
}
