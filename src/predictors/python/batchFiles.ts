// The data path between a worker and one Python process: each batch's Arrow IPC bytes go through a
// file, not the pipe. Over the pipe, a 3 MB batch crossed in ~200 kB steps, each waiting for the
// sending thread's event loop, which was busy decoding and writing the batches around it: a Python
// process spent more time receiving batches than scoring them (measured, issue 13). A file is written
// or read whole in one call. The pipe keeps the small control frames (which file, how many bytes).
//
// Two pairs of files (a batch in, its answer out), each pair one request's from the moment its batch is
// written until its answer has been read. They are opened, then unlinked at once: the files live only
// as long as the worker's and the process's descriptors, so a crash of either leaves nothing behind,
// and no path to them is ever given to model code.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PythonProtocolError } from './errors.js';

/** Pairs: a chunk thread keeps one batch out while the previous answer is written. */
export const BATCH_FILE_PAIRS = 2;

/** The child's descriptors for pair k: BATCH_FILE_FD + k (its batch), BATCH_FILE_FD + BATCH_FILE_PAIRS + k (its answer); runner.py's too. */
export const BATCH_FILE_FD = 5;

/** Far above any batch (a 128k-row batch of 100 float columns is ~100 MB); bounds what a broken process can make us read. */
export const MAX_BATCH_BYTES = 2 ** 31;

/** A RAM-backed folder where there is one (Linux), else the OS's temporary folder. */
function folder(): string {
  const shm = '/dev/shm';
  try {
    fs.accessSync(shm, fs.constants.W_OK);
    return shm;
  } catch {
    return os.tmpdir();
  }
}

export class BatchFiles {
  private readonly batches: number[] = [];
  private readonly answers: number[] = [];
  private readonly busy: boolean[] = Array.from({ length: BATCH_FILE_PAIRS }, () => false);
  private readonly waiting: ((pair: number) => void)[] = [];
  private closed = false;

  constructor() {
    const dir = fs.mkdtempSync(path.join(folder(), 'batch-inference-py-'));
    try {
      for (const list of [this.batches, this.answers]) {
        for (let k = 0; k < BATCH_FILE_PAIRS; k++) {
          const file = path.join(dir, `${list === this.batches ? 'batch' : 'answer'}-${k}`);
          list.push(fs.openSync(file, 'w+', 0o600));
          fs.unlinkSync(file);
        }
      }
    } catch (err) {
      this.close();
      throw err;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  /** The descriptors to give the child, in the order of its fds from BATCH_FILE_FD. */
  get childFds(): number[] {
    return [...this.batches, ...this.answers];
  }

  /** A free pair, in the order asked for (waits while every pair holds a request not yet answered). */
  acquire(): Promise<number> {
    const free = this.busy.indexOf(false);
    if (free >= 0 && this.waiting.length === 0) {
      this.busy[free] = true;
      return Promise.resolve(free);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(pair: number): void {
    const next = this.waiting.shift();
    if (next) next(pair);
    else this.busy[pair] = false;
  }

  writeBatch(pair: number, bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.byteLength) at += fs.writeSync(this.batches[pair], bytes, at, bytes.byteLength - at, at);
  }

  /** The answer's `length` bytes into `into` (its first bytes), or a fresh buffer. */
  readAnswer(pair: number, length: number, into?: Buffer): Buffer {
    if (!Number.isSafeInteger(length) || length < 0 || length > MAX_BATCH_BYTES) {
      throw new PythonProtocolError(`an answer of ${String(length)} bytes`);
    }
    const out = into && into.length >= length ? into : Buffer.allocUnsafeSlow(length);
    let at = 0;
    while (at < length) {
      const n = fs.readSync(this.answers[pair], out, at, length - at, at);
      if (n === 0) throw new PythonProtocolError(`an answer of ${length} bytes in a file of ${at}`);
      at += n;
    }
    return out.subarray(0, length);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fd of [...this.batches, ...this.answers]) {
      try {
        fs.closeSync(fd);
      } catch {
        // already closed
      }
    }
  }
}
