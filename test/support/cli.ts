// Runs the real `batch-inference` CLI in a child process, as a user would.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Harness } from './harness.js';

export const BIN = fileURLToPath(new URL('../../bin/batch-inference.js', import.meta.url));

/** The environment that points a CLI process at the harness's server, queue, warehouse and stage. */
export function cliEnv(h: Harness, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TEMPORAL_ADDRESS: h.config.temporal.address,
    TEMPORAL_TASK_QUEUE: h.taskQueue,
    BATCH_WAREHOUSE: `duckdb:${h.warehouse.path}`,
    BATCH_STAGE: `file:${h.stage.root}`,
    BATCH_DATA_DIR: path.join(h.dir, '.data'),
    ...extra,
  };
}

export function spawnCli(args: string[], env: NodeJS.ProcessEnv, cwd?: string): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, env, cwd);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
