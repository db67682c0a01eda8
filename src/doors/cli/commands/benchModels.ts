// What the bench's model sections (ONNX, Python) share: where the Python scripts are, whether the
// interpreter has what a section needs, the staged input of a run (the peer scores those same files),
// registering a model in the bench's own registry, and the section's lines: our scoring phase next to
// its Python peer.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalStage } from '../../../adapters/stage/local/localStage.js';
import { manifestKey } from '../../../adapters/stage/stage.js';
import type { DuckDBWarehouse } from '../../../adapters/warehouse/duckdb/duckdbWarehouse.js';
import { ModelRegistry, type RegisterOptions } from '../../../models/registry.js';
import type { ModelJson } from '../../../models/modelJson.js';
import { MIN_CHUNK_ROWS } from '../../../planning/chunks.js';
import type { RunManifest } from '../../../planning/manifest.js';
import type { RunMeasure, RunOptions } from './bench.js';
import type { RunSummary } from '../../../workflows/run/contract.js';
import type { PeerResult } from './benchPeer.js';

/** What every model section gets from `bench` (its functions passed in: bench.ts imports the sections). */
export interface SectionContext {
  warehouse: DuckDBWarehouse;
  /** Runs a spec in a fresh process after a warm-up run (bench.ts's runChild, with the bench's env). */
  runChild(rows: number, options: RunOptions): Promise<RunMeasure>;
  /** The linear-demo bench table bench.features_<rows> (id, feature_1, feature_2). */
  prepareTable(rows: number): Promise<void>;
  secs(ms: number): string;
  phases(s: RunSummary): string;
  /** bench's warm-up rows (see warmupRowsFor). */
  warmupRows: number;
  batchSizeInMb: number;
  /** The bench's data dir: its warehouse, stage (and registry), peer outputs. */
  dataDir: string;
  /** BATCH_PYTHON. */
  python: string;
  cores: number;
}

/** A section that cannot run here says why and how to fix it; the rest of the bench goes on. */
export class SectionSkipped extends Error {
  constructor(
    readonly section: string,
    readonly reason: string,
    readonly fix: string,
  ) {
    super(`${section} section skipped: ${reason} (${fix})`);
  }
}

/**
 * A Python script of the bench (bench/ in the repository; dist/bench/ in a build, copied there by
 * scripts/copy-assets.mjs so that an installed package's `bench` finds it).
 */
export function benchScript(name: string): string {
  const candidates = ['../../../bench/', '../../../../bench/'].map((dir) => fileURLToPath(new URL(dir + name, import.meta.url)));
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new Error(`bench script ${name} not found (looked in ${candidates.join(', ')}); run npm run build`);
  return found;
}

/** The interpreter's answer to importing `modules`: undefined when all import, else why not. */
export function pythonLacks(python: string, modules: string[]): string | undefined {
  const r = spawnSync(python, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
  if (r.error) return `${python} cannot be started (${r.error.message})`;
  if (r.status !== 0) return `${python} cannot import ${modules.join(', ')}: ${r.stderr.trim().split('\n').pop()}`;
  return undefined;
}

/** Runs a bench script with BATCH_PYTHON; its stderr is the error when it fails. */
export function runScript(python: string, script: string, args: string[]): void {
  const r = spawnSync(python, [benchScript(script), ...args], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`${script} failed: ${r.error?.message ?? r.stderr}`);
}

export const stageRoot = (dataDir: string) => path.join(dataDir, 'stage');

/**
 * Rows of a model section's warm-up run, as on a worker that has served the model before: every slot
 * the measured run uses has its Python process started (or its ONNX session opened in its thread), and
 * has scored real chunks (a fifth of the measured run's rows, at most 2M: up to its chunks' size), so that its
 * code is compiled (JavaScript and WebAssembly tier up as they run) and its WebAssembly memory has
 * grown. With a warm-up of 16,384-row chunks, each slot's first measured chunk took 2-3× as long as
 * the next ones (measured). bench's 10,000-row warm-up is one chunk: one slot.
 */
export const warmupRowsFor = (ctx: SectionContext, rows: number) =>
  Math.max(ctx.warmupRows, 2 * MIN_CHUNK_ROWS * ctx.cores, Math.min(Math.round(rows / 5), 2_000_000));

/** Registers a model in the bench's registry (on its stage), as `models register` does. */
export async function registerBenchModel(ctx: SectionContext, options: Omit<RegisterOptions, 'python'>): Promise<ModelJson> {
  const registry = new ModelRegistry(new LocalStage(stageRoot(ctx.dataDir)));
  return (await registry.register({ ...options, python: ctx.python })).model;
}

/** The parquet files a run exported to the stage (from its manifest): what its chunks scored. */
export function stagedInputFiles(dataDir: string, runId: string): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(stageRoot(dataDir), manifestKey(runId)), 'utf8')) as RunManifest;
  return manifest.files.map((f) => path.join(stageRoot(dataDir), f.key));
}

const count = (n: number) => n.toLocaleString('en-US');
const rate = (rows: number, ms: number) => `${count(Math.round(rows / (ms / 1000)))} rows/s`;

/**
 * A section's lines: the run (rows in and out, chunks, end to end, phases, RSS), then our scoring phase
 * (`running`) and the peer, each as rows/s, and ours / peer as a time ratio against the target.
 */
export function describeSection(
  ctx: SectionContext,
  title: string,
  run: RunMeasure,
  peer: { label: string; result: PeerResult },
  target: { ratio: number; text: string },
): string[] {
  const s = run.summary;
  const running = s.durations.runningMs;
  const ratio = running / peer.result.ms;
  return [
    title,
    `  run: ${count(s.rowsIn)} rows in, ${count(s.rowsOut)} rows out, ${s.chunks} chunk(s) in ${s.workers} slice(s); end to end ${ctx.secs(run.ms)}; preparing / running / completing ${ctx.phases(s)}; worker peak RSS ${run.maxRssMb.toFixed(0)} MB`,
    `  ours (running): ${ctx.secs(running)} = ${rate(s.rowsIn, running)}`,
    `  peer (${peer.label}): ${ctx.secs(peer.result.ms)} = ${rate(peer.result.rows, peer.result.ms)}, ${count(peer.result.rows)} rows`,
    `  ours / peer: ${ratio.toFixed(2)}× the time (target ${target.text}: ${ratio <= target.ratio ? 'met' : 'missed'})`,
  ];
}
