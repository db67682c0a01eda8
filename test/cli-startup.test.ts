// The CLI starts fast because each command loads only what it uses. Checked by what a command imports
// (recorded by a module hook), not by timing it: `--help` loads no package, `status` no worker or DuckDB.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { BIN } from './support/cli.js';

const RECORDER = fileURLToPath(new URL('./fixtures/startup/recordImports.mjs', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-startup-'));

/** Runs the bin in a real `node` and returns its exit, output and every module URL it resolved. */
function runRecorded(args: string[], env: Record<string, string> = {}, bin = BIN) {
  const record = path.join(dir, `imports-${Math.random().toString(36).slice(2)}.txt`);
  fs.writeFileSync(record, '');
  const child = spawn(process.execPath, ['--import', RECORDER, bin, ...args], {
    env: { ...process.env, RECORD_IMPORTS: record, BATCH_DATA_DIR: path.join(dir, '.data'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise<{ code: number | null; stdout: string; stderr: string; imports: string[] }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, imports: fs.readFileSync(record, 'utf8').split('\n').filter(Boolean) }));
  });
}

const packages = (imports: string[]) => [...new Set(imports.flatMap((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u)?.[1] ?? []))];

describe('CLI start-up', () => {
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--help loads the usage text and no package', async () => {
    const help = await runRecorded(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^batch-inference — durable batch scoring on Temporal/);
    expect(help.imports.some((u) => u.endsWith('/dist/doors/cli/usage.js'))).toBe(true);
    expect(packages(help.imports)).toEqual([]);
  });

  it('status of an unknown run loads the Temporal client, not the worker, DuckDB or the activities', async () => {
    const status = await runRecorded(['status', 'no-such-run'], { TEMPORAL_ADDRESS: inject('temporalAddress') });
    expect(status.stderr).toContain('No run no-such-run');
    expect(status.code).toBe(2);
    expect(packages(status.imports)).toContain('@temporalio/client');
    expect(packages(status.imports)).not.toEqual(expect.arrayContaining(['@temporalio/worker']));
    expect(packages(status.imports)).not.toEqual(expect.arrayContaining(['@duckdb/node-api']));
    expect(status.imports.filter((u) => /\/dist\/(worker|activities\/)/.test(u))).toEqual([]);
  });

  it('without a build, the bin says to run npm run build', async () => {
    // A copy of the bin with no dist/ beside it: what a clone looks like before its first build.
    const bin = path.join(dir, 'clone', 'bin', 'batch-inference.js');
    fs.mkdirSync(path.dirname(bin), { recursive: true });
    fs.copyFileSync(BIN, bin);
    const run = await runRecorded(['--help'], {}, bin);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('is not built');
    expect(run.stderr).toContain('npm run build');
  });
});
