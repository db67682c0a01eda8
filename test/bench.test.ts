// `batch-inference bench` at a small size, as a user runs it: the real bin in a real `node` in its own
// process group, every section printed with its figures (rows/s for ours and its peer), and the model
// sections' runs and peers writing one prediction per input row. Also: a BATCH_PYTHON without the
// packages skips the model sections with the pip command, and the rest of the bench still runs (exit 0).
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { groupMembers, spawnCliGroup, type GroupProcess } from './support/processGroup.js';

const ROWS = 20_000;
const started: GroupProcess[] = [];
const dirs: string[] = [];

/** Runs the bench in a fresh folder (it writes .data/bench under the working directory). */
async function bench(args: string[], env: Record<string, string> = {}) {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-bench-'));
  dirs.push(cwd);
  // The tests' dev server: each measured run has a task queue of its own (bench-<pid>).
  const p = spawnCliGroup(['bench', ...args], { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), ...env }, cwd);
  started.push(p);
  const code = await p.exited;
  return { code, output: p.output(), cwd, pid: p.pid };
}

/** Live processes whose command line mentions `dir` (a Python model process runs from the data dir). */
function processesUnder(dir: string): number[] {
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(dir)) found.push(Number(name));
    } catch {
      // ended while we looked
    }
  }
  return found;
}

async function count(db: string, from: string): Promise<number> {
  const instance = await DuckDBInstance.create(db, db === ':memory:' ? {} : { access_mode: 'READ_ONLY' });
  const conn = await instance.connect();
  try {
    return Number((await conn.runAndReadAll(`SELECT count(*) FROM ${from}`)).getRows()[0][0]);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

const n = ROWS.toLocaleString('en-US');
const RATE = String.raw`[\d,]+ rows/s`;

describe('batch-inference bench', () => {
  afterAll(() => {
    for (const p of started) p.killGroup();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('prints every section with ours and the peer, and the model runs score every row', async () => {
    const r = await bench(['--rows', String(ROWS), '--onnx-rows', String(ROWS), '--python-rows', String(ROWS), '--chunks', '0']);
    expect(r.code, r.output).toBe(0);
    const out = r.output;
    // linear-demo: the table row with the pandas peer's time and the ratio.
    expect(out).toMatch(new RegExp(String.raw`\| ${n} \| [\d.]+ s \| [\d.]+ s \| [\d,]+ \| [\d.]+× \| .* \| [\d.]+ s \| [\d.]+× \|`));
    for (const section of ['ONNX model \\(bench_lr@1 predict_proba', 'Python model \\(bench_seed000@1 predict_fn']) {
      const block = new RegExp(
        section +
          String.raw`.*\n  run: ${n} rows in, ${n} rows out, .*\n  ours \(running\): [\d.]+ s = ${RATE}\n  peer \(.*\): [\d.]+ s = ${RATE}, ${n} rows\n  ours / peer: [\d.]+× the time`,
      );
      expect(out, out).toMatch(block);
    }
    expect(out).toMatch(
      / {2}transfer \(Arrow IPC both ways\): round trip [\d.]+ ms of which predict_fn [\d.]+ ms: transfer \+ framing -?[\d.]+ ms a batch/,
    );
    expect(out).not.toMatch(/skipped/);
    // Two worker processes against one (issue 14, target 4): a default part of the bench.
    expect(out).toMatch(
      /Workers \([\d,]+ rows, .*\): running [\d.]+ s with 1 worker \(cores used [\d.]+\), [\d.]+ s with 2 \(cores used per worker [\d.]+, [\d.]+\): [\d.]+× the scoring throughput/,
    );

    // What the runs published and the peers wrote: one row per input row.
    const data = path.join(r.cwd, '.data', 'bench');
    const db = path.join(data, 'warehouse.duckdb');
    expect(await count(db, `bench.onnx_predictions_${ROWS}`)).toBe(ROWS);
    expect(await count(db, `bench.python_predictions_${ROWS}`)).toBe(ROWS);
    for (const peer of ['onnx', 'python'])
      expect(await count(':memory:', `read_parquet('${path.join(data, `${peer}-peer-out-${ROWS}`)}/*.parquet')`)).toBe(ROWS);

    // Nothing left behind: the bench's children and the Python model processes (own groups) are gone.
    expect(groupMembers(r.pid)).toEqual([]);
    expect(processesUnder(r.cwd)).toEqual([]);
  }, 600_000);

  it('skips a model section whose Python lacks a package, with the pip command, and still runs the rest', async () => {
    // An interpreter without site-packages: python3 -S (no pandas, no scikit-learn), as a bare venv would be.
    const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-bare-python-'));
    dirs.push(bare);
    const python = path.join(bare, 'python');
    fs.writeFileSync(python, '#!/bin/sh\nexec python3 -S "$@"\n', { mode: 0o755 });
    const r = await bench(
      ['--rows', String(ROWS), '--onnx-rows', String(ROWS), '--python-rows', String(ROWS), '--chunks', '0', '--workers', '1'],
      {
        BATCH_PYTHON: python,
      },
    );
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(new RegExp(String.raw`\| ${n} \| `)); // the linear-demo run still ran
    expect(r.output).toMatch(/ONNX section skipped: .*No module named .*\(install with: .*python -m pip install scikit-learn skl2onnx/);
    expect(r.output).toMatch(/Python section skipped: .*No module named .*\(install with: .*python -m pip install pandas pyarrow\)/);
    expect(groupMembers(r.pid)).toEqual([]);
  }, 600_000);

  it('runs on an S3 stage (moto) with two worker processes, and stops its S3 server', async () => {
    const r = await bench([
      '--rows',
      String(ROWS),
      '--chunks',
      '20',
      '--workers',
      '2',
      '--stage',
      's3',
      '--onnx-rows',
      '0',
      '--python-rows',
      '0',
    ]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/S3 stage \(moto_server on loopback\)/);
    expect(r.output).toMatch(/Per-chunk overhead: [\d,]+ rows in \d+ chunks .* = -?[\d.]+ ms a chunk/);
    expect(r.output).toMatch(/Workers \(.*\): running [\d.]+ s with 1 worker .* with 2 \(cores used per worker [\d.]+, [\d.]+\)/);
    // Nothing written to a local stage folder: every run read and wrote S3.
    expect(fs.existsSync(path.join(r.cwd, '.data', 'bench', 'stage'))).toBe(false);
    expect(groupMembers(r.pid)).toEqual([]);
    expect(processesUnder(r.cwd)).toEqual([]);
  }, 600_000);
});
