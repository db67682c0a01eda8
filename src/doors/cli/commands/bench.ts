// `batch-inference bench`: end-to-end rows/s on the embedded defaults against DuckDB doing the same
// scoring in one COPY (the in-engine lower bound), measured in the same run on the same machine.
// Each size runs in a fresh process so its peak RSS is its own.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBWarehouse } from '../../../adapters/warehouse/duckdb/duckdbWarehouse.js';
import { loadConfig, type Config } from '../../../config.js';
import type { RunSummary } from '../../../workflows/run/contract.js';
import { openSession } from '../session.js';
import { EXIT_OK, UsageError } from '../usage.js';

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

export const benchSpec = (rows: number) => ({
  inputQuery: `SELECT id, feature_1, feature_2 FROM ${table(rows)}`,
  outputTableName: `bench.predictions_${rows}`,
  outputTableDefinition: [
    ['id', 'NUMBER'],
    ['score', 'FLOAT'],
    ['label', 'NUMBER'],
  ],
  predictor: 'linear-demo',
  parallelWorkers: os.availableParallelism(),
  batchSizeInMb: BATCH_SIZE_MB,
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

interface RunMeasure {
  ms: number;
  maxRssMb: number;
  summary: RunSummary;
}

/** Hidden command `bench-run <rows>`: one end-to-end run in this process, reported as JSON. */
export async function benchRunCommand(config: Config, rows: number): Promise<number> {
  const session = await openSession(config, { worker: 'always', taskQueue: `bench-${process.pid}` });
  try {
    const start = performance.now();
    const { runId } = await session.client.startBatchInference(benchSpec(rows));
    const summary = await session.client.waitForResult(runId);
    const ms = performance.now() - start;
    const measure: RunMeasure = { ms, maxRssMb: process.resourceUsage().maxRSS / 1024, summary };
    console.log(JSON.stringify(measure));
    return EXIT_OK;
  } finally {
    await session.close();
  }
}

const phases = (s: RunSummary) =>
  [s.durations.preparingMs, s.durations.runningMs, s.durations.completingMs].map((ms) => `${(ms / 1000).toFixed(2)}`).join(' / ') + ' s';

function runChild(rows: number, env: Record<string, string>): Promise<RunMeasure> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'bench-run', String(rows)], {
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

export async function benchCommand(_config: Config, rowsFlag?: string): Promise<number> {
  const sizes = (rowsFlag ?? '1000000,10000000').split(',').map((s) => Number(s.replace(/_/g, '')));
  if (sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new UsageError('--rows takes whole numbers, e.g. --rows 1000000,10000000');
  const dataDir = path.resolve('.data', 'bench');
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const env = benchEnv(dataDir);
  const warehouse = new DuckDBWarehouse(path.join(dataDir, 'warehouse.duckdb'));
  loadConfig({ ...process.env, ...env });

  const results: { rows: number; bound: number; run: RunMeasure }[] = [];
  for (const rows of sizes) {
    console.error(`preparing ${rows.toLocaleString('en-US')} rows…`);
    await prepareTable(warehouse, rows);
    const bound = await boundMs(warehouse, rows, dataDir);
    console.error(`  DuckDB bound: ${(bound / 1000).toFixed(2)} s; running the pipeline…`);
    const run = await runChild(rows, env);
    results.push({ rows, bound, run });
  }

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    `Machine: ${os.cpus().length} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()}`,
    `Pipeline: parallelWorkers ${benchSpec(1).parallelWorkers}, batchSizeInMb ${BATCH_SIZE_MB}, predictor linear-demo, ephemeral Temporal dev server, DuckDB warehouse, local stage`,
    '',
    '| rows | DuckDB bound | pipeline end to end | pipeline rows/s | ratio to bound | preparing / running / completing | chunks | worker peak RSS |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      ({ rows, bound, run }) =>
        `| ${rows.toLocaleString('en-US')} | ${(bound / 1000).toFixed(2)} s | ${(run.ms / 1000).toFixed(2)} s | ${Math.round(rows / (run.ms / 1000)).toLocaleString('en-US')} | ${(run.ms / bound).toFixed(1)}× | ${phases(run.summary)} | ${run.summary.chunks} | ${run.maxRssMb.toFixed(0)} MB |`,
    ),
  ];
  if (results.length >= 2) {
    const [small, large] = [results[0], results[results.length - 1]];
    lines.push(
      '',
      `Peak RSS ${large.rows.toLocaleString('en-US')} / ${small.rows.toLocaleString('en-US')} rows: ${(large.run.maxRssMb / small.run.maxRssMb).toFixed(2)}×`,
    );
  }
  console.log(lines.join('\n'));
  return EXIT_OK;
}
