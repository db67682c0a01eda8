// Python models: our scoring path (DuckDB record batches → Arrow IPC → pooled Python process running the
// user's function → Arrow IPC → checked columns → parquet, as scoreChunk does it) against a plain
// multiprocessing pandas script (bench/python_peer.py) on the same parquet files, in the same run.
// Also the per-batch transfer cost (Arrow IPC both ways) measured on one process.
//   node --import tsx bench/python.ts [rows=10000000] [files=10] [batchRows=100000]
// or `npm run bench:python -- <rows> <files> <batchRows>`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withEngine } from '../src/adapters/localEngine/localEngine.js';
import { describeTransfer, measurePythonTransfer } from '../src/doors/cli/commands/benchTransfer.js';
import { OneAhead } from '../src/predictors/isolation/oneAhead.js';
import { resolvePythonModel } from '../src/predictors/python/modelSource.js';
import { PythonPool } from '../src/predictors/python/pythonPool.js';
import { pythonScorer } from '../src/predictors/python/pythonScorer.js';
import type { BatchStats } from '../src/predictors/python/pythonProcess.js';
import { OutputWriter } from '../src/scoring/outputWriter.js';
import { readRecordBatches } from '../src/scoring/recordBatches.js';
import { quoteLiteral } from '../src/spec/identifiers.js';

const MODEL = fileURLToPath(new URL('../test/fixtures/python/seed000/model.py', import.meta.url));
const PEER = fileURLToPath(new URL('./python_peer.py', import.meta.url));
const PYTHON = process.env.BATCH_PYTHON ?? 'python3';
const [rows, files, batchRows] = [Number(process.argv[2] ?? 10_000_000), Number(process.argv[3] ?? 10), Number(process.argv[4] ?? 100_000)];
const slots = os.availableParallelism();
const dir = path.resolve('.data', 'bench-python');

type Stats = BatchStats & { roundTripMs: number };
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

async function makeInputs(): Promise<string[]> {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'ours'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'peer'), { recursive: true });
  const per = Math.ceil(rows / files);
  const paths: string[] = [];
  await withEngine(async (conn) => {
    for (let f = 0; f < files; f++) {
      const file = path.join(dir, `in-${f}.parquet`);
      // The bench table of `npm run bench`: feature_1 NULL every 13th row, feature_2 every 17th.
      await conn.run(`COPY (SELECT i::BIGINT AS id,
          CASE WHEN i % 13 = 0 THEN NULL ELSE ((i * 7919) % 10007) / 10007.0 END::DOUBLE AS feature_1,
          CASE WHEN i % 17 = 0 THEN NULL ELSE ((i * 104729) % 9973) / 9973.0 END::DOUBLE AS feature_2
        FROM range(${f * per}, ${Math.min(rows, (f + 1) * per)}) r(i)) TO ${quoteLiteral(file)} (FORMAT parquet)`);
      paths.push(file);
    }
  });
  return paths;
}

/** One file scored as scoreChunk scores a chunk; returns the rows written. */
async function scoreFile(pool: PythonPool, file: string, out: string, onBatch: (s: Stats) => void): Promise<number> {
  const abort = new AbortController();
  const scorer = pythonScorer({ source: resolvePythonModel(MODEL), onBatch }, pool, {
    predictor: 'seed000',
    place: { worker: 0, chunk: 0 },
    timeoutPerBatch: 3600,
    bounds: { deadline: Date.now() + 3_600_000, signal: abort.signal, heartbeat: () => {}, heartbeatEveryMs: 1000 },
  });
  try {
    return await withEngine(async (reader, writer) => {
      const output = new OutputWriter(writer, 'seed000');
      const inFlight = new OneAhead();
      let batch = 0;
      for await (const table of readRecordBatches(reader, `read_parquet(${quoteLiteral(file)})`, batchRows)) {
        const scored = scorer.score(table, { runId: 'bench', worker: 0, chunk: 0, batch: batch++ });
        const n = table.numRows;
        await inFlight.add(scored, (columns) => output.append(columns, n), false);
      }
      await inFlight.drain();
      return output.finish(out);
    });
  } finally {
    scorer.close();
  }
}

async function ours(pool: PythonPool, inputs: string[]): Promise<{ ms: number; rows: number; stats: Stats[] }> {
  const stats: Stats[] = [];
  const queue = [...inputs];
  let total = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: slots }, async () => {
      for (let file = queue.shift(); file; file = queue.shift()) {
        const n = await scoreFile(pool, file, path.join(dir, 'ours', path.basename(file)), (s) => stats.push(s));
        total += n;
      }
    }),
  );
  return { ms: performance.now() - started, rows: total, stats };
}

function peer(inputs: string[]): { ms: number; rows: number } {
  const out = execFileSync(PYTHON, [PEER, MODEL, 'predict_fn', path.join(dir, 'peer'), String(slots), String(batchRows), ...inputs], {
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop()!) as { ms: number; rows: number };
}

/** The transfer alone, on one process with nothing else running: batches of `batchRows` both ways. */
async function transfer(input: string): Promise<void> {
  const t = await measurePythonTransfer({ python: PYTHON, model: MODEL, input, batchRows });
  console.log(`transfer, one process (id, feature_1, feature_2 in; id, score, label out):`);
  for (const line of describeTransfer(t)) console.log(`  ${line}`);
}

const inputs = await makeInputs();
console.log(
  `${rows.toLocaleString('en-US')} rows in ${files} parquet files, ${slots} slots, batches of ${batchRows.toLocaleString('en-US')} rows`,
);
const pool = new PythonPool({ python: PYTHON, maxRssMb: 8192, maxIdle: slots });
try {
  await transfer(inputs[0]);
  const results: string[] = [];
  for (const round of [1, 2]) {
    const p = peer(inputs);
    const cold = await ours(pool, inputs); // round 1: processes started within the timing; round 2: reused
    const check = { ours: cold.rows, peer: p.rows };
    if (check.ours !== rows || check.peer !== rows) throw new Error(`row counts differ: ${JSON.stringify(check)}`);
    const rate = (r: { ms: number }) => `${((rows / r.ms) * 1000).toLocaleString('en-US', { maximumFractionDigits: 0 })} rows/s`;
    results.push(
      `round ${round} (${round === 1 ? 'processes started inside the timing' : 'processes reused'}): ours ${(cold.ms / 1000).toFixed(2)} s (${rate(cold)}), peer ${(p.ms / 1000).toFixed(2)} s (${rate(p)}), ratio ${(cold.ms / p.ms).toFixed(2)}×; python fn ${fmt(mean(cold.stats.map((s) => s.fnMs)))} a batch`,
    );
    console.log(results.at(-1));
  }
} finally {
  await pool.close();
}
