// A worker's pool of chunk threads (BATCH_CHUNK_THREADS): each scores whole chunks with its own
// DuckDB, so one worker process uses as many cores as it has threads. The pool starts when a chunk
// first needs a thread, and its threads are reused across chunks and runs. A chunk stopped inside user code ends its thread
// (terminated, replaced later); a chunk stopped inside our own code is interrupted and the thread
// comes back to the pool when it has answered.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { onThreadEnd, type ThreadEndedError } from '../../predictors/isolation/predictorThreads.js';
import { ChunkState, type ChunkRequest, type FromThread, type ToThread } from './protocol.js';

const ENTRY = new URL('./chunkThreadEntry.mjs', import.meta.url);
/** How long an idle thread is given to close its Python processes before it is terminated anyway. */
const CLOSE_WAIT_MS = 5000;

export type ChunkReply = Extract<FromThread, { type: 'done' | 'failed' | 'stopped' }>;

/** The default pool size: a thread per core, at most one per activity slot. */
export function defaultChunkThreads(activitySlots: number): number {
  return Math.min(activitySlots, os.availableParallelism());
}

export class ChunkThread {
  private readonly worker: Worker;
  /** Resolves when the thread has ended. */
  readonly exited: Promise<void>;
  private readonly state = new Int32Array(new SharedArrayBuffer(4));
  private pending?: {
    id: number;
    resolve: (reply: ChunkReply) => void;
    reject: (err: Error) => void;
    progress: (batch: number, rows: number) => void;
  };
  private nextId = 0;
  private ended?: ThreadEndedError;
  /** Asked to stop: may not take another chunk until it has answered. */
  private stopping = false;
  /** Settles when the thread's DuckDB has opened (or the thread ended): before that it is never terminated. */
  private readonly opened: Promise<void>;
  private markOpened: () => void = () => {};

  constructor(
    private readonly pool: ChunkThreads,
    maxMemoryMb: number,
  ) {
    this.worker = new Worker(ENTRY, {
      workerData: { state: this.state.buffer, duckdbThreads: pool.duckdbThreads, duckdbMemoryMb: pool.duckdbMemoryMb },
      // User code runs here as in a predictor thread: the same heap bound (BATCH_PREDICTOR_MAX_MEMORY_MB).
      resourceLimits: { maxOldGenerationSizeMb: maxMemoryMb },
      stdout: false,
      stderr: false,
    });
    // An idle thread must not keep the process alive.
    this.worker.unref();
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.opened = new Promise((resolve) => {
      this.markOpened = resolve;
      this.worker.once('exit', () => resolve());
    });
    this.worker.on('message', (message: FromThread) => {
      if (message.type === 'ready') return this.markOpened();
      if (message.type === 'closed') return this.markClosed();
      const waiting = this.pending;
      if (!waiting || waiting.id !== message.id) return;
      if (message.type === 'progress') return waiting.progress(message.batch, message.rows);
      this.pending = undefined;
      this.stopping = false;
      this.pool.settled(this);
      waiting.resolve(message);
    });
    onThreadEnd(this.worker, (ended) => {
      this.ended = ended;
      this.pool.settled(this);
      this.pending?.reject(this.ended);
      this.pending = undefined;
    });
  }

  get alive(): boolean {
    return !this.ended;
  }

  get idle(): boolean {
    return !this.ended && !this.pending && !this.stopping;
  }

  /** Scores one chunk; rejects with ThreadEndedError when the thread ends first (a crash, its memory bound). */
  run(request: Omit<ChunkRequest, 'type' | 'id'>, progress: (batch: number, rows: number) => void): Promise<ChunkReply> {
    if (this.ended) return Promise.reject(this.ended);
    if (this.pending) return Promise.reject(new Error('chunk thread is busy'));
    const id = ++this.nextId;
    Atomics.store(this.state, 0, ChunkState.OURS);
    return new Promise((resolve, reject) => {
      this.pending = { id, resolve, reject, progress };
      this.worker.postMessage({ ...request, type: 'chunk', id } satisfies ToThread);
    });
  }

  /**
   * Stops the chunk in flight without waiting for it: inside user code the thread is terminated
   * (a busy loop ends there too); inside our own code its DuckDB calls are interrupted and it answers.
   */
  stop(): void {
    const pending = this.pending;
    if (!pending || this.ended) return;
    pending.resolve = () => {};
    pending.reject = () => {};
    for (;;) {
      if (Atomics.compareExchange(this.state, 0, ChunkState.USER_CODE, ChunkState.TERMINATING) === ChunkState.USER_CODE) {
        void this.terminate();
        return;
      }
      const was = Atomics.compareExchange(this.state, 0, ChunkState.OURS, ChunkState.STOPPING);
      if (was === ChunkState.OURS || was === ChunkState.STOPPING || was === ChunkState.TERMINATING) break;
    }
    this.stopping = true;
    this.worker.postMessage({ type: 'stop', id: pending.id } satisfies ToThread);
  }

  /** Only when idle or inside user code: never while a DuckDB call of the thread may be in flight. */
  async terminate(): Promise<void> {
    await this.opened;
    await this.worker.terminate();
  }

  private markClosed: () => void = () => {};

  /** Ends an idle thread after it has closed what its modules started (their Python processes): bounded, then terminated anyway. */
  async close(): Promise<void> {
    if (this.ended) return;
    const closed = new Promise<void>((resolve) => {
      this.markClosed = resolve;
      this.worker.once('exit', () => resolve());
    });
    this.worker.postMessage({ type: 'close' } satisfies ToThread);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
    clearTimeout(timer);
    await this.terminate();
  }
}

export class ChunkThreads {
  private readonly threads = new Set<ChunkThread>();
  private closed = false;

  constructor(
    /** At most this many threads (BATCH_CHUNK_THREADS). */
    readonly size: number,
    readonly maxMemoryMb: number,
    /** BATCH_CHUNK_THREAD_MODULES=trusted: the operator's BATCH_PREDICTORS modules may score here too (threadSource.ts). */
    readonly trustModules = false,
    /** DuckDB threads of each thread's instance: the cores shared out, so N threads do not run N × cores. */
    readonly duckdbThreads = Math.max(1, Math.floor(os.availableParallelism() / size)),
    /** DuckDB memory of each thread's instance: 80 % of the machine shared by the threads and the worker's own engine. */
    readonly duckdbMemoryMb = Math.max(256, Math.floor((0.8 * os.totalmem()) / 2 ** 20 / (size + 1))),
  ) {}

  /** An idle thread, or a new one while the pool is below its size; undefined when all are busy. */
  tryAcquire(): ChunkThread | undefined {
    if (this.closed) return undefined;
    for (const thread of this.threads) if (thread.idle) return thread;
    if (this.threads.size >= this.size) return undefined;
    const thread = new ChunkThread(this, this.maxMemoryMb);
    this.threads.add(thread);
    // The first chunk starts the whole pool: the next chunks find a thread ready instead of paying its start.
    while (this.threads.size < this.size) this.threads.add(new ChunkThread(this, this.maxMemoryMb));
    return thread;
  }

  /** A thread answered or ended: a dead one leaves the pool; after close an idle one is ended. */
  settled(thread: ChunkThread): void {
    if (!thread.alive) this.threads.delete(thread);
    else if (this.closed) {
      this.threads.delete(thread);
      void thread.close();
    }
  }

  /**
   * Ends every thread: idle ones now, busy ones once stopped. Awaited before the process exits: an
   * exit while a thread's DuckDB call is in flight waits for the call and then aborts the process.
   */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.threads];
    for (const t of all) {
      if (t.idle) void t.close();
      else t.stop(); // answers (then settled() closes it) or is terminated inside user code
    }
    await Promise.all(all.map((t) => t.exited));
    this.threads.clear();
  }
}
