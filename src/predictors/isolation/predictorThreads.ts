// A pool of predictor threads: one per activity slot that scores with a module predictor, created
// when first needed and reused across chunks. A thread that is stopped (timeout, cancel, memory
// bound) is terminated and dropped; the next chunk gets a fresh one.
import { Worker } from 'node:worker_threads';
import type { ScoreReply, ScoreRequest } from './protocol.js';

const ENTRY = new URL('./threadEntry.mjs', import.meta.url);

/** Why a thread stopped without answering. */
export class ThreadEndedError extends Error {
  constructor(
    readonly exitCode: number,
    /** The thread's error code, e.g. ERR_WORKER_OUT_OF_MEMORY. */
    readonly code?: string,
    /** The uncaught error that ended it, if any. */
    readonly reason?: string,
  ) {
    super(`predictor thread ended (exit code ${exitCode}${code ? `, ${code}` : ''}${reason ? `: ${reason}` : ''})`);
    this.name = 'ThreadEndedError';
  }
}

/** Calls `ended` when the thread has exited, with why: its exit code and the uncaught error, if any. */
export function onThreadEnd(worker: Worker, ended: (err: ThreadEndedError) => void): void {
  let lastError: (Error & { code?: string }) | undefined;
  worker.on('error', (err: Error & { code?: string }) => {
    lastError = err;
  });
  worker.on('exit', (exitCode) => ended(new ThreadEndedError(exitCode, lastError?.code, lastError?.message)));
}

export class PredictorThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (reply: ScoreReply) => void; reject: (err: Error) => void }>();
  private nextId = 0;
  private ended?: ThreadEndedError;

  constructor(maxMemoryMb: number) {
    // The old generation is where a runaway model's objects pile up; the young one keeps V8's default.
    this.worker = new Worker(ENTRY, { resourceLimits: { maxOldGenerationSizeMb: maxMemoryMb }, stdout: false, stderr: false });
    // An idle thread must not keep the process alive.
    this.worker.unref();
    this.worker.on('message', (reply: ScoreReply) => {
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      waiting?.resolve(reply);
    });
    onThreadEnd(this.worker, (ended) => {
      this.ended = ended;
      for (const waiting of this.pending.values()) waiting.reject(this.ended);
      this.pending.clear();
    });
  }

  get busy(): boolean {
    return this.pending.size > 0;
  }

  get alive(): boolean {
    return !this.ended;
  }

  /** Scores one batch (queued behind any batch still out); rejects with ThreadEndedError when the thread dies first. */
  score(request: Omit<ScoreRequest, 'id'>): Promise<ScoreReply> {
    if (this.ended) return Promise.reject(this.ended);
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id }, [request.ipc.buffer as ArrayBuffer]);
    });
  }

  /** Stops the thread even in the middle of a busy loop (V8 terminates its isolate). */
  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

export class PredictorThreads {
  private readonly idle: PredictorThread[] = [];
  constructor(readonly maxMemoryMb: number) {}

  acquire(): PredictorThread {
    return this.idle.pop() ?? new PredictorThread(this.maxMemoryMb);
  }

  /** Back to the pool when still healthy; a dead thread is simply forgotten. */
  release(thread: PredictorThread): void {
    if (thread.alive) this.idle.push(thread);
  }

  async close(): Promise<void> {
    await Promise.all(this.idle.splice(0).map((t) => t.terminate()));
  }
}
