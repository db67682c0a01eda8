// `batch-inference bench`: end-to-end rows/s on the embedded defaults against DuckDB doing the same
// scoring in one COPY (the in-engine lower bound), measured in the same run on the same machine.
// Each size runs in a fresh process so its peak RSS is its own.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Client } from '@temporalio/client';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBWarehouse } from '../../../adapters/warehouse/duckdb/duckdbWarehouse.js';
import { loadConfig, type Config } from '../../../config.js';
import type { RunSummary } from '../../../workflows/run/contract.js';
import { openSession } from '../session.js';
import { EXIT_OK, UsageError } from '../usage.js';
import { describeGaps, runHopGaps, type RunHops } from './benchHops.js';
import { SectionSkipped, stagedInputFiles, type SectionContext } from './benchModels.js';
import { onnxSection } from './benchOnnx.js';
import { PeerUnavailableError, runPandasPeer, type PeerResult } from './benchPeer.js';
import { s3StageEnv, startS3Server, type S3Server } from '../../../adapters/stage/s3/motoServer.js';
import { pythonSection } from './benchPython.js';
import { settleDisk } from './benchDisk.js';

const BIN = fileURLToPath(new URL('../../../../bin/batch-inference.js', import.meta.url));
const BATCH_SIZE_MB = 8;
const SCORE_SQL = `round(0.7 * coalesce(feature_1, 0) + 0.3 * coalesce(feature_2, 0), 6)`;

const table = (rows: number) => `bench.features_${rows}`;

export function benchEnv(dataDir: string): Record<string, string> {
  return {
    BATCH_DATA_DIR: dataDir,
    BATCH_WAREHOUSE: `duckdb:${path.join(dataDir, 'warehouse.duckdb')}`,
    BATCH_STAGE: `file:${path.join(dataDir, 'stage')}`,
  };
}

/** A tiny table that warms a worker up (bundle, DuckDB, pollers) before the measured run. */
const WARMUP_ROWS = 10_000;

export const benchSpec = (rows: number, options: { batchSizeInMb?: number; parallelWorkers?: number } = {}) => ({
  inputQuery: `SELECT id, feature_1, feature_2 FROM ${table(rows)}`,
  outputTableName: `bench.predictions_${rows}`,
  outputTableDefinition: [
    ['id', 'NUMBER'],
    ['score', 'FLOAT'],
    ['label', 'NUMBER'],
  ],
  predictor: 'linear-demo',
  parallelWorkers: options.parallelWorkers ?? os.availableParallelism(),
  batchSizeInMb: options.batchSizeInMb ?? BATCH_SIZE_MB,
});

async function prepareTable(warehouse: DuckDBWarehouse, rows: number): Promise<void> {
  await warehouse.withConnection(async (conn) => {
    await conn.run('CREATE SCHEMA IF NOT EXISTS bench');
    await conn.run(`CREATE OR REPLACE TABLE ${table(rows)} AS
      SELECT i::BIGINT AS id,
        CASE WHEN i % 13 = 0 THEN NULL ELSE ((i * 7919) % 10007) / 10007.0 END::DOUBLE AS feature_1,
        CASE WHEN i % 17 = 0 THEN NULL ELSE ((i * 104729) % 9973) / 9973.0 END::DOUBLE AS feature_2
      FROM range(${rows}) r(i)`);
  });
}

/** DuckDB scoring the table into parquet in one statement: the bound we compare against. */
async function boundMs(warehouse: DuckDBWarehouse, rows: number, dir: string): Promise<number> {
  const out = path.join(dir, `bound-${rows}.parquet`);
  return warehouse.withConnection(async (conn) => {
    const start = performance.now();
    await conn.run(`COPY (SELECT id, ${SCORE_SQL} AS score, CASE WHEN ${SCORE_SQL} >= 0.5 THEN 1 ELSE 0 END AS label
      FROM ${table(rows)}) TO '${out}' (FORMAT parquet)`);
    return performance.now() - start;
  });
}

/** How one bench run is made: chunk size, slices, worker processes. */
export interface RunOptions {
  batchSizeInMb?: number;
  parallelWorkers?: number;
  /** Worker processes polling the run's task queue: this process's own plus workers − 1 `batch-inference worker`s. */
  workers?: number;
  /** The measured run's job spec (a model section's); the linear-demo spec of `rows` when absent. */
  spec?: Record<string, unknown>;
  /** The warm-up run's job spec; the linear-demo spec of WARMUP_ROWS when absent. */
  warmup?: Record<string, unknown>;
}

export interface RunMeasure {
  runId: string;
  ms: number;
  maxRssMb: number;
  summary: RunSummary;
  hops: RunHops;
  /** CPU time each worker process used during the measured run, divided by its wall time: cores kept busy. */
  coresUsed: number[];
}

/** utime + stime of a process in ms, from /proc (Linux); undefined elsewhere. */
function cpuMsOf(pid: number): number | undefined {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // Fields 14 and 15 of stat, counted from the state field (3): clock ticks of 10 ms on Linux.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** Starts `count` worker processes on the task queue, each in its own process group. */
function startWorkers(count: number, address: string, taskQueue: string): ChildProcess[] {
  return Array.from({ length: count }, () =>
    spawn(process.execPath, [BIN, 'worker'], {
      env: { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_TASK_QUEUE: taskQueue },
      stdio: ['ignore', 'ignore', 'inherit'],
      detached: true,
    }),
  );
}

function stopWorkers(children: ChildProcess[]): void {
  for (const child of children) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Waits until `count` distinct workers poll the queue's activities. */
async function awaitPollers(config: Config, client: Client, count: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const described = await client.workflowService.describeTaskQueue({
      namespace: config.temporal.namespace,
      taskQueue: { name: config.temporal.taskQueue },
      taskQueueType: 2, // TASK_QUEUE_TYPE_ACTIVITY
    });
    if (new Set((described.pollers ?? []).map((p) => p.identity)).size >= count) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${count} workers did not poll within 60 s`);
}

/** Hidden command `bench-run <rows> [options JSON]`: a warm-up run, then one measured end-to-end run in this process, reported as JSON. */
export async function benchRunCommand(config: Config, rows: number, optionsJson?: string): Promise<number> {
  const options = JSON.parse(optionsJson ?? '{}') as RunOptions;
  const session = await openSession(config, { worker: 'always', taskQueue: `bench-${process.pid}` });
  const extra = startWorkers((options.workers ?? 1) - 1, session.config.temporal.address!, session.config.temporal.taskQueue);
  try {
    if (extra.length) await awaitPollers(session.config, session.client.temporal, extra.length + 1);
    // Warm: the bundle is loaded, DuckDB open, pollers running, as on a worker that has served runs before.
    const warm = await session.client.startBatchInference(
      options.warmup ?? benchSpec(WARMUP_ROWS, { parallelWorkers: options.parallelWorkers }),
    );
    await session.client.waitForResult(warm.runId);
    settleDisk();

    const cpuBefore = [process.cpuUsage(), ...extra.map((c) => cpuMsOf(c.pid!))];
    const start = performance.now();
    const { runId } = await session.client.startBatchInference(options.spec ?? benchSpec(rows, options));
    const summary = await session.client.waitForResult(runId);
    const ms = performance.now() - start;
    const own = process.cpuUsage(cpuBefore[0] as NodeJS.CpuUsage);
    const coresUsed = [
      (own.user + own.system) / 1000 / ms,
      ...extra.map((c, i) => ((cpuMsOf(c.pid!) ?? 0) - ((cpuBefore[i + 1] as number | undefined) ?? 0)) / ms),
    ];
    const hops = await runHopGaps(session.client.temporal, runId, summary.workers);
    const measure: RunMeasure = { runId, ms, maxRssMb: process.resourceUsage().maxRSS / 1024, summary, hops, coresUsed };
    console.log(JSON.stringify(measure));
    return EXIT_OK;
  } finally {
    stopWorkers(extra);
    await session.close();
  }
}

const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const phases = (s: RunSummary) =>
  [s.durations.preparingMs, s.durations.runningMs, s.durations.completingMs].map((ms) => `${(ms / 1000).toFixed(2)}`).join(' / ') + ' s';

function runChild(rows: number, env: Record<string, string>, options: RunOptions = {}): Promise<RunMeasure> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'bench-run', String(rows), JSON.stringify(options)], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0) resolve(JSON.parse(line) as RunMeasure);
      else reject(new Error(`bench-run ${rows} exited with ${code}: ${out}`));
    });
  });
}

export interface BenchOptions {
  /** Sizes, e.g. "1000000,10000000". */
  rows?: string;
  /** Also score the largest size with this many worker processes against one (issue 14, target 4). */
  workers?: string;
  /** The smallest size is also run in about this many chunks, for the per-chunk overhead (0: skip). */
  chunks?: string;
  /** `local` (a folder) or `s3`: a moto_server the bench starts, so every worker process reads and writes chunks over S3. */
  stage?: string;
  /** Rows of the ONNX model section (issue 12; 0: skip). */
  onnxRows?: string;
  /** Rows of the Python model section (issue 13; 0: skip). */
  pythonRows?: string;
}

const MB = 1024 * 1024;

function wholeNumber(flag: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} takes a whole number of at least ${min}, got "${value}"`);
  return n;
}

/** Exports the table to parquet files of the run's size, as the stage holds them, for the pandas peer. */
async function stagePeerInput(warehouse: DuckDBWarehouse, rows: number, dir: string): Promise<string[]> {
  fs.rmSync(dir, { recursive: true, force: true });
  await warehouse.withConnection((conn) =>
    conn.run(
      `COPY (SELECT id, feature_1, feature_2 FROM ${table(rows)}) TO '${dir}' (FORMAT parquet, FILE_SIZE_BYTES ${BATCH_SIZE_MB * MB})`,
    ),
  );
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.parquet'))
    .map((n) => path.join(dir, n));
}

export async function benchCommand(config: Config, flags: BenchOptions = {}): Promise<number> {
  const sizes = (flags.rows ?? '1000000,10000000').split(',').map((s) => Number(s.replace(/_/g, '')));
  if (sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new UsageError('--rows takes whole numbers, e.g. --rows 1000000,10000000');
  // Two by default: target 4 of issue 14 (more workers faster) is part of every bench.
  const workers = wholeNumber('--workers', flags.workers, 2, 1);
  const chunkTarget = wholeNumber('--chunks', flags.chunks, 200, 0);
  const stageKind = flags.stage ?? 'local';
  if (stageKind !== 'local' && stageKind !== 's3') throw new UsageError(`--stage takes local or s3, got "${stageKind}"`);
  const modelRows = {
    onnx: wholeNumber('--onnx-rows', flags.onnxRows, 10_000_000, 0),
    python: wholeNumber('--python-rows', flags.pythonRows, 10_000_000, 0),
  };
  const dataDir = path.resolve('.data', 'bench');
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const s3 = stageKind === 's3' ? await startBenchS3() : undefined;
  try {
    const code = await benchWith(
      { ...benchEnv(dataDir), ...s3?.env },
      dataDir,
      sizes,
      workers,
      chunkTarget,
      s3 ? 'S3 stage (moto_server on loopback)' : 'local stage',
      // The model sections register models in and read staged files from the local stage folder.
      s3 ? { onnx: 0, python: 0 } : modelRows,
      config.python.executable,
    );
    if (s3 && (modelRows.onnx || modelRows.python))
      console.log(
        '\nModel sections skipped: they run on the local stage (bench without --stage s3; --onnx-rows 0 --python-rows 0 to silence this)',
      );
    return code;
  } finally {
    await s3?.server.stop();
  }
}

/** moto_server with a fresh bucket: every process of the bench (and each extra worker) gets its endpoint through the environment. */
async function startBenchS3(): Promise<{ server: S3Server; env: Record<string, string> }> {
  const server = await startS3Server();
  try {
    return { server, env: await s3StageEnv(server.endpoint, 'bench') };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

async function benchWith(
  env: Record<string, string>,
  dataDir: string,
  sizes: number[],
  workers: number,
  chunkTarget: number,
  stageName: string,
  modelRows: { onnx: number; python: number },
  python: string,
): Promise<number> {
  const warehouse = new DuckDBWarehouse(path.join(dataDir, 'warehouse.duckdb'));
  loadConfig({ ...process.env, ...env });
  await prepareTable(warehouse, WARMUP_ROWS);

  const cores = os.availableParallelism();
  const results: { rows: number; bound: number; run: RunMeasure; peer?: PeerResult }[] = [];
  const notes: string[] = [];
  for (const rows of sizes) {
    console.error(`preparing ${rows.toLocaleString('en-US')} rows…`);
    await prepareTable(warehouse, rows);
    const bound = await boundMs(warehouse, rows, dataDir);
    console.error(`  DuckDB bound: ${secs(bound)}; running the pipeline…`);
    const run = await runChild(rows, env);
    let peer: PeerResult | undefined;
    try {
      // The files the run staged, as the model sections do; an S3 stage's are exported again locally.
      const files = env.BATCH_STAGE?.startsWith('file:')
        ? stagedInputFiles(dataDir, run.runId)
        : await stagePeerInput(warehouse, rows, path.join(dataDir, `peer-in-${rows}`));
      peer = await runPandasPeer(files, path.join(dataDir, `peer-out-${rows}`), cores, python);
    } catch (err) {
      if (!(err instanceof PeerUnavailableError)) throw err;
      if (!notes.includes(err.message)) notes.push(err.message);
    }
    results.push({ rows, bound, run, peer });
  }

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    `Machine: ${os.cpus().length} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()}`,
    `Pipeline: parallelWorkers ${benchSpec(1).parallelWorkers}, batchSizeInMb ${BATCH_SIZE_MB}, predictor linear-demo, ephemeral Temporal dev server, DuckDB warehouse, ${stageName}, one worker warmed up by a ${WARMUP_ROWS.toLocaleString('en-US')}-row run`,
    '',
    '| rows | DuckDB bound | pipeline end to end | pipeline rows/s | ratio to bound | preparing / running / completing | pandas peer (scoring) | running / peer | fixed cost | chunks | worker peak RSS |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      ({ rows, bound, run, peer }) =>
        `| ${rows.toLocaleString('en-US')} | ${secs(bound)} | ${secs(run.ms)} | ${Math.round(rows / (run.ms / 1000)).toLocaleString('en-US')} | ${(run.ms / bound).toFixed(1)}× | ${phases(run.summary)} | ${peer ? secs(peer.ms) : '–'} | ${peer ? `${(run.summary.durations.runningMs / peer.ms).toFixed(2)}×` : '–'} | ${secs(run.ms - run.hops.criticalWorkMs)} | ${run.summary.chunks} | ${run.maxRssMb.toFixed(0)} MB |`,
    ),
    '',
    "Fixed cost: end to end minus the time inside activities on the critical path (prepare, export, publish, the busiest slice's chunks).",
    "Task hops (scheduled → started, from the run's histories):",
    ...results.flatMap(({ rows, run }) => [
      `  ${rows.toLocaleString('en-US')} rows, ${describeGaps('workflow tasks', run.hops.workflowTasks)}`,
      `  ${rows.toLocaleString('en-US')} rows, ${describeGaps('activities', run.hops.activities)}`,
    ]),
  ];
  if (results.length >= 2) {
    const [small, large] = [results[0], results[results.length - 1]];
    lines.push(
      '',
      `Peak RSS ${large.rows.toLocaleString('en-US')} / ${small.rows.toLocaleString('en-US')} rows: ${(large.run.maxRssMb / small.run.maxRssMb).toFixed(2)}×`,
    );
  }

  if (chunkTarget > 0) {
    // The same rows as the smallest size's run, cut into about chunkTarget chunks: what a chunk costs beyond its rows.
    const base = results[0];
    const batchSizeInMb = base.run.summary.bytesIn / chunkTarget / MB;
    console.error(`per-chunk overhead: ${base.rows.toLocaleString('en-US')} rows in ~${chunkTarget} chunks…`);
    const many = await runChild(base.rows, env, { batchSizeInMb });
    const slices = many.summary.workers;
    const perChunk = ((many.summary.durations.runningMs - base.run.summary.durations.runningMs) * slices) / many.summary.chunks;
    lines.push(
      '',
      `Per-chunk overhead: ${base.rows.toLocaleString('en-US')} rows in ${many.summary.chunks} chunks (batchSizeInMb ${batchSizeInMb.toFixed(3)}) ran ${secs(many.summary.durations.runningMs)} against ${secs(base.run.summary.durations.runningMs)} in ${base.run.summary.chunks} chunks: (difference) × ${slices} slices / ${many.summary.chunks} chunks = ${perChunk.toFixed(1)} ms a chunk`,
      `  ${describeGaps('activities', many.hops.activities)}; ${describeGaps('workflow tasks', many.hops.workflowTasks)}`,
    );
  }

  if (workers > 1) {
    // One worker against N on the same spec: slices for every core of every worker, chunks small enough to share out.
    const rows = sizes[sizes.length - 1];
    const options: RunOptions = { parallelWorkers: cores * workers, batchSizeInMb: BATCH_SIZE_MB / workers };
    console.error(`workers: ${rows.toLocaleString('en-US')} rows with 1 and ${workers} worker processes…`);
    const one = await runChild(rows, env, options);
    const many = await runChild(rows, env, { ...options, workers });
    const cores1 = one.coresUsed.map((c) => c.toFixed(2)).join(', ');
    const coresN = many.coresUsed.map((c) => c.toFixed(2)).join(', ');
    lines.push(
      '',
      `Workers (${rows.toLocaleString('en-US')} rows, parallelWorkers ${options.parallelWorkers}, batchSizeInMb ${options.batchSizeInMb}): running ${secs(one.summary.durations.runningMs)} with 1 worker (cores used ${cores1}), ${secs(many.summary.durations.runningMs)} with ${workers} (cores used per worker ${coresN}): ${(one.summary.durations.runningMs / many.summary.durations.runningMs).toFixed(2)}× the scoring throughput`,
    );
  }
  // The model sections (issues 12, 13): each against its Python peer; one whose Python lacks a package says so and the rest runs.
  const models: SectionContext = {
    warehouse,
    dataDir,
    python,
    cores,
    batchSizeInMb: BATCH_SIZE_MB,
    warmupRows: WARMUP_ROWS,
    runChild: (rows, options) => runChild(rows, env, options),
    prepareTable: (rows) => prepareTable(warehouse, rows),
    secs,
    phases,
  };
  for (const [rows, section] of [
    [modelRows.onnx, onnxSection],
    [modelRows.python, pythonSection],
  ] as const) {
    if (rows === 0) continue;
    try {
      lines.push('', ...(await section(models, rows)));
    } catch (err) {
      if (!(err instanceof SectionSkipped || err instanceof PeerUnavailableError)) throw err;
      lines.push('', err.message);
    }
  }
  if (notes.length) lines.push('', ...notes);
  console.log(lines.join('\n'));
  return EXIT_OK;
}
