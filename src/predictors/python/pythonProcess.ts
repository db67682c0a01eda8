// One long-lived Python process running runner.py for one model module: started once, then scoring
// one batch at a time: the batch and its answer as Arrow IPC through files (batchFiles.ts), control
// frames on fds 3 (to Python) and 4 (from Python). Its own process group, so a kill also stops
// whatever the model started. The worker's secrets stay out of its environment: model code is not ours.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import {
  PythonImportError,
  PythonNotFoundError,
  PythonPackageMissingError,
  PythonProcessDiedError,
  PythonProtocolError,
  type PythonException,
} from './errors.js';
import { AnswerBuffers } from './answerBuffers.js';
import { BATCH_FILE_FD, BATCH_FILE_PAIRS, BatchFiles } from './batchFiles.js';
import { FrameReader, frameHeader } from './frames.js';

const RUNNER = fileURLToPath(new URL('./runner.py', import.meta.url));
const TAIL_BYTES = 4096;

export interface PythonFunction {
  name: string;
  /** Parameter names, for `models show`. */
  params: string[];
}

export interface PythonModuleInfo {
  functions: PythonFunction[];
  /** The module defines load(model_dir): called once per process, its value passed as the second argument. */
  hasLoad: boolean;
  versions: { python: string; pyarrow: string; pandas: string };
}

/** The Python side's timings of one batch, and its resident memory after it. */
export interface BatchStats {
  rssMb: number;
  decodeMs: number;
  fnMs: number;
  encodeMs: number;
}

export type ScoreAnswer =
  | {
      ok: true;
      ipc: Buffer;
      stats: BatchStats;
      /** With reuseAnswerBuffer: hands `ipc`'s buffer back for a later answer (call it once done with the answer). */
      release?: () => void;
    }
  | { ok: false; kind: 'user' | 'output'; exception: PythonException };

export interface PythonProcessOptions {
  /** BATCH_PYTHON. */
  python: string;
  /** The module's .py file. */
  modulePath: string;
  /** Put first on sys.path and passed to load(). */
  modelDir: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Answers' Arrow bytes arrive in one of two buffers reused from answer to answer, each held until the
   * answer's `release` is called: for a caller that releases what it is done with (a chunk thread's loop).
   */
  reuseAnswerBuffer?: boolean;
}

// Names whose values a model has no business reading: the worker's credentials and settings.
const SECRET_ENV = /^(BATCH_|AWS_|SNOWFLAKE_|TEMPORAL_)|TOKEN|SECRET|PASSWORD|PASSPHRASE|PRIVATE_KEY|CREDENTIAL/i;

export function modelEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const kept = Object.fromEntries(Object.entries(env).filter(([name]) => !SECRET_ENV.test(name)));
  // No .pyc files written into model folders (registered versions are immutable); prints not held back.
  return { ...kept, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' };
}

interface Waiter {
  resolve: (frame: Buffer) => void;
  reject: (err: Error) => void;
}

export class PythonProcess {
  readonly ready: Promise<PythonModuleInfo>;
  private readonly child: ChildProcess;
  private readonly toPython: Writable;
  private readonly frames: Buffer[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly reader = new FrameReader();
  private readonly files: BatchFiles;
  private readonly answerBuffers?: AnswerBuffers;
  private ended?: Error;
  private tail = '';
  private scoring = 0;
  /** Resolves once every call so far has read its answer. */
  private answered = Promise.resolve();
  /** A frame has come: the interpreter runs the runner. */
  private started = false;
  private killed = false;
  private closed = false;
  /** Resident memory after the last batch, as the process reported it. */
  rssMb = 0;
  readonly exited: Promise<void>;

  constructor(readonly options: PythonProcessOptions) {
    if (options.reuseAnswerBuffer) this.answerBuffers = new AnswerBuffers();
    this.files = new BatchFiles();
    const files = [String(BATCH_FILE_FD), String(BATCH_FILE_PAIRS)];
    try {
      this.child = spawn(options.python, [RUNNER, options.modulePath, options.modelDir, ...files], {
        // fds 5 and on: the batch files (BATCH_FILE_FD), the same open files as ours.
        stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe', ...this.files.childFds],
        detached: true,
        // Passed down to the child, filtered: not a setting read here.
        env: modelEnv(options.env ?? process.env),
        cwd: options.modelDir,
      });
    } catch (err) {
      this.files.close(); // no process will close them
      throw err;
    }
    this.toPython = this.child.stdio[3] as Writable;
    const fromPython = this.child.stdio[4] as Readable;
    // The model's prints: kept as a tail for error messages, and read so that a chatty model never blocks on a full pipe.
    for (const out of [this.child.stdout!, this.child.stderr!]) out.on('data', (d: Buffer) => this.keepTail(d));
    fromPython.on('data', (d: Buffer) => {
      try {
        for (const frame of this.reader.push(d)) this.deliver(frame);
      } catch (err) {
        this.fail(err as Error);
        this.kill();
      }
    });
    this.toPython.on('error', () => {}); // EPIPE when the process died: reported through 'exit'
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err: NodeJS.ErrnoException) => {
        this.closed = true;
        this.files.close();
        this.fail(new PythonNotFoundError(options.python, err.code === 'ENOENT' ? 'no such file or command' : err.message));
        resolve();
      });
      // 'close', not 'exit': stdio is drained by then, so a last error frame and the stderr tail are in.
      this.child.once('close', (code, signal) => {
        this.closed = true;
        this.files.close();
        this.fail(new PythonProcessDiedError(this.child.pid, code, signal, this.tail.trim()));
        resolve();
      });
    });
    this.ready = this.readReady();
    this.ready.catch(() => {}); // a failed start is reported to whoever scores or describes
    this.idle();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return !this.ended;
  }

  get busy(): boolean {
    return this.scoring > 0;
  }

  /** Back in its pool: its batch files give their space back. */
  rest(): void {
    if (!this.busy) this.files.empty();
  }

  /**
   * Scores one batch (an Arrow IPC stream) with the module's function; rejects when the process dies
   * first. Calls may overlap (the next batch is sent while one is scored): Python answers in order,
   * so each call reads its answer after the previous call has read its own.
   */
  async score(functionName: string, ipc: Uint8Array): Promise<ScoreAnswer> {
    await this.ready;
    if (this.ended) throw this.ended;
    this.scoring++;
    this.hold();
    let pair: number | undefined;
    let done = () => {};
    try {
      pair = await this.files.acquire();
      if (this.ended) throw this.ended;
      // Requests go out in the order their answers are read: chained from here, with no await before the send.
      const previous = this.answered;
      this.answered = new Promise<void>((resolve) => (done = resolve));
      this.files.writeBatch(pair, ipc);
      const request = Buffer.from(JSON.stringify({ type: 'score', function: functionName, pair, length: ipc.byteLength }));
      this.toPython.write(frameHeader(request.length));
      this.toPython.write(request);
      await previous;
      const message = this.json(await this.next());
      if (message.type === 'error' && (message.kind === 'user' || message.kind === 'output')) {
        return { ok: false, kind: message.kind, exception: exceptionOf(message) };
      }
      if (message.type !== 'result') throw this.broken(`expected a result, got ${JSON.stringify(message).slice(0, 200)}`);
      if (message.pair !== pair) throw this.broken(`an answer in pair ${String(message.pair)} to a batch sent in pair ${pair}`);
      let reused: ReturnType<AnswerBuffers['claim']>;
      let answer: Buffer;
      try {
        answer = this.files.readAnswer(pair, Number(message.length), (length) => (reused = this.answerBuffers?.claim(length))?.buffer);
      } catch (err) {
        reused?.release();
        throw this.broken((err as Error).message);
      }
      const stats: BatchStats = {
        rssMb: Number(message.rss_mb) || 0,
        decodeMs: Number(message.decode_ms) || 0,
        fnMs: Number(message.fn_ms) || 0,
        encodeMs: Number(message.encode_ms) || 0,
      };
      this.rssMb = stats.rssMb;
      return { ok: true, ipc: answer, stats, release: reused?.release };
    } finally {
      done();
      if (pair !== undefined) this.files.release(pair);
      this.scoring--;
      this.idle();
    }
  }

  /** SIGKILL to the process group: stops it even inside native code. */
  kill(): void {
    const pid = this.child.pid;
    if (pid === undefined || this.closed) return;
    this.killed = true;
    this.hold(); // until it is gone (a moment after SIGKILL), so whoever awaits `exited` sees it
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      this.child.kill('SIGKILL'); // the group is gone already, or was never made
    }
  }

  private streams(): (Readable & { ref?(): void; unref?(): void })[] {
    return [this.child.stdout, this.child.stderr, this.child.stdio[4]].filter(Boolean) as Readable[];
  }

  /** An idle process does not keep the worker's event loop alive. */
  private idle(): void {
    if (this.scoring > 0 || this.killed) return;
    this.child.unref();
    for (const stream of this.streams()) stream.unref?.();
  }

  private hold(): void {
    this.child.ref();
    for (const stream of this.streams()) stream.ref?.();
  }

  private async readReady(): Promise<PythonModuleInfo> {
    const message = this.json(await this.next());
    if (message.type === 'ready') {
      return {
        functions: message.functions as PythonFunction[],
        hasLoad: Boolean(message.has_load),
        versions: { python: String(message.python), pyarrow: String(message.pyarrow), pandas: String(message.pandas) },
      };
    }
    if (message.type === 'error' && message.kind === 'missing_package') {
      throw new PythonPackageMissingError(this.options.python, String(message.package), String(message.message));
    }
    if (message.type === 'error' && message.kind === 'import') throw new PythonImportError(this.options.modulePath, exceptionOf(message));
    throw this.broken(`expected ready, got ${JSON.stringify(message).slice(0, 200)}`);
  }

  private async next(): Promise<Buffer> {
    const frame = this.frames.shift();
    if (frame) return frame;
    if (this.ended) throw this.startFailure(this.ended);
    return new Promise<Buffer>((resolve, reject) => this.waiters.push({ resolve, reject })).catch((err: Error) => {
      throw this.startFailure(err);
    });
  }

  /** A process that exits with a code before it says ready is not a Python that can run the runner. */
  private startFailure(err: Error): Error {
    if (err instanceof PythonProcessDiedError && err.exitCode !== null && !this.started) {
      return new PythonNotFoundError(
        this.options.python,
        `it exited with code ${err.exitCode} before starting${err.stderrTail ? `: ${err.stderrTail}` : ''}`,
      );
    }
    return err;
  }

  private deliver(frame: Buffer): void {
    this.started = true;
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(frame);
    else this.frames.push(frame);
  }

  private fail(err: Error): void {
    if (this.ended) return;
    this.ended = err;
    for (const waiter of this.waiters.splice(0)) waiter.reject(err);
  }

  private json(frame: Buffer): Record<string, unknown> {
    try {
      return JSON.parse(frame.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw this.broken('a control frame that is not JSON');
    }
  }

  private broken(problem: string): Error {
    const err = new PythonProtocolError(problem);
    this.fail(err);
    this.kill();
    return err;
  }

  private keepTail(data: Buffer): void {
    this.tail = (this.tail + data.toString('utf8')).slice(-TAIL_BYTES);
  }
}

function exceptionOf(message: Record<string, unknown>): PythonException {
  return {
    excType: String(message.exc_type ?? 'Exception'),
    message: String(message.message ?? ''),
    frames: Array.isArray(message.frames) ? message.frames.map(String) : [],
  };
}
