// The worker's Python model processes: one per chunk being scored with a Python model, started when
// first needed, kept after the chunk and reused by the next chunk (or run) of the same model version.
// A process that went over its memory bound, died, or was stopped is not reused; the next chunk starts
// a fresh one. Idle processes are bounded in number: the oldest idle one goes first.
import type { Config } from '../../config.js';
import { PythonProcess } from './pythonProcess.js';
import type { PythonModelSource } from './modelSource.js';

export interface PythonPoolOptions {
  /** BATCH_PYTHON. */
  python: string;
  /** BATCH_PYTHON_MAX_RSS_MB: a process above it after a chunk is restarted. */
  maxRssMb: number;
  /** Idle processes kept across all models (BATCH_MAX_CONCURRENT_ACTIVITIES is a good bound). */
  maxIdle: number;
  /** The environment the model processes start from (secrets are removed from it). */
  env?: NodeJS.ProcessEnv;
  /** Each process reuses two buffers for its answers, released by the caller (PythonProcessOptions.reuseAnswerBuffer). */
  reuseAnswerBuffer?: boolean;
}

/** Which processes may be shared: a model version's folder (registered versions are immutable). */
export const poolKey = (source: PythonModelSource, version?: string) => (version ? `${source.modulePath}@${version}` : source.modulePath);

interface Held {
  key: string;
  process: PythonProcess;
}

export class PythonPool {
  private idle: Held[] = [];
  private readonly keys = new WeakMap<PythonProcess, string>();
  /** Processes started, for tests and logs. */
  started = 0;
  /** Processes restarted for going over maxRssMb. */
  restartedForMemory = 0;

  constructor(readonly options: PythonPoolOptions) {}

  acquire(source: PythonModelSource, key = poolKey(source)): PythonProcess {
    for (let at = this.idle.length - 1; at >= 0; at--) {
      const held = this.idle[at];
      if (held.key === key && held.process.alive) return this.idle.splice(at, 1)[0].process;
    }
    const process = new PythonProcess({
      python: this.options.python,
      ...source,
      env: this.options.env,
      reuseAnswerBuffer: this.options.reuseAnswerBuffer,
    });
    this.keys.set(process, key);
    this.started++;
    return process;
  }

  /** Back to the pool when healthy, idle and within the memory bound; otherwise stopped. */
  release(process: PythonProcess): void {
    const key = this.keys.get(process);
    if (!process.alive || process.busy || key === undefined) return process.kill();
    if (process.rssMb > this.options.maxRssMb) {
      this.restartedForMemory++;
      return process.kill();
    }
    process.rest();
    this.idle.push({ key, process });
    while (this.idle.length > this.options.maxIdle) this.idle.shift()!.process.kill();
  }

  /** Stops every idle process and waits until they are gone. */
  async close(): Promise<void> {
    const idle = this.idle.splice(0);
    for (const h of idle) h.process.kill();
    await Promise.all(idle.map((h) => h.process.exited));
  }
}

/** The worker's pool from its settings: at most one idle process per activity slot. */
export function pythonPoolFor(config: Pick<Config, 'python' | 'maxConcurrentActivities'>, env?: NodeJS.ProcessEnv): PythonPool {
  return new PythonPool({
    python: config.python.executable,
    maxRssMb: config.python.maxRssMb,
    maxIdle: config.maxConcurrentActivities,
    env,
  });
}
