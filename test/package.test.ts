// The package as another Node service gets it: `npm pack`, `npm install <tarball>` into a fresh project,
// then plain JavaScript imports the client and the worker factory and runs one job to its summary.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/package/', import.meta.url));
const TSC = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));

// The npm_* variables of an enclosing `npm test` would configure the inner npm commands too.
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));

async function npm(args: string[], cwd: string): Promise<string> {
  const { stdout } = await promisify(execFile)('npm', args, { cwd, env: cleanEnv(), maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a real `node` in its own process group, so that afterAll can kill whatever it started. */
function runNode(args: string[], cwd: string, env: NodeJS.ProcessEnv, started: ChildProcess[]): Promise<Exit> {
  const child = spawn(process.execPath, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the packed package, installed into another project', () => {
  let dir: string;
  let project: string;
  let packedFiles: string[];
  const started: ChildProcess[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-package-'));
    // dist/ is fresh: the global setup built it (test/support/buildDist.ts), so pack need not run `prepare`.
    const [packed] = JSON.parse(await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT)) as {
      filename: string;
      files: { path: string }[];
    }[];
    packedFiles = packed.files.map((f) => f.path);
    project = path.join(dir, 'consumer');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    // The dependencies come from the npm cache, which `npm ci` of this repository filled.
    await npm(['install', path.join(dir, packed.filename), '--prefer-offline', '--no-audit', '--no-fund'], project);
    for (const file of fs.readdirSync(FIXTURES)) fs.copyFileSync(path.join(FIXTURES, file), path.join(project, file));
  }, 900_000);

  afterAll(() => {
    for (const child of started) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // The group has already exited.
      }
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('holds the built JavaScript, its declarations and the bin, not the sources', () => {
    expect(packedFiles).toEqual(
      expect.arrayContaining([
        'bin/batch-inference.js',
        'dist/client.js',
        'dist/client.d.ts',
        'dist/worker.js',
        'dist/worker.d.ts',
        'dist/workflows/index.js',
        'dist/doors/cli/main.js',
        'dist/predictors/api.d.ts',
        'README.md',
      ]),
    );
    expect(packedFiles.filter((f) => /^(src|test)\/|\.tsbuildinfo$/.test(f))).toEqual([]);
  });

  it('runs a job from plain JavaScript: start, progress, summary', async () => {
    const data = path.join(dir, 'data');
    fs.mkdirSync(data);
    const env = {
      ...cleanEnv(),
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: `package-${process.pid}-${Date.now()}`,
      BATCH_WAREHOUSE: `duckdb:${path.join(data, 'warehouse.duckdb')}`,
      BATCH_STAGE: `file:${path.join(data, 'stage')}`,
      BATCH_DATA_DIR: data,
    };
    const run = await runNode(['consumer.mjs'], project, env, started);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    // Read right after the start, the run may be in any state before completed; it must know its id.
    expect(out.progress.runId).toBe(out.runId);
    expect(['submitted', 'preparing', 'running', 'completing', 'completed']).toContain(out.progress.state);
    expect(out.summary).toMatchObject({ runId: out.runId, state: 'completed', rowsIn: 1000, rowsOut: 1000 });
    expect(out.final).toMatchObject({ state: 'completed', processedRows: 1000, percentage: 100 });
    expect(out.publishedRows).toBe(1000);
  }, 300_000);

  it('gives TypeScript users real types through the exports', async () => {
    fs.writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          typeRoots: [path.join(ROOT, 'node_modules/@types')],
          types: ['node'],
        },
        files: ['types.ts'],
      }),
    );
    const check = await runNode([TSC, '-p', 'tsconfig.json'], project, cleanEnv(), started);
    expect(check.stdout + check.stderr).toBe('');
    expect(check.code).toBe(0);
  }, 300_000);

  it('installs the batch-inference command, which runs without TypeScript', async () => {
    const help = await runNode([path.join(project, 'node_modules/.bin/batch-inference'), '--help'], project, cleanEnv(), started);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^batch-inference — durable batch scoring on Temporal/);
  });
});
