// The data path between a worker and one Python process: each batch's Arrow IPC bytes go through a
// file, not the pipe. Over the pipe, a 3 MB batch crossed in ~200 kB steps, each waiting for the
// sending thread's event loop, which was busy decoding and writing the batches around it: a Python
// process spent more time receiving batches than scoring them (measured, issue 13). A file is written
// or read whole in one call. The pipe keeps the small control frames (which file, how many bytes).
//
// Two pairs of files (a batch in, its answer out), each pair one request's from the moment its batch is
// written until its answer has been read. They are opened, then unlinked at once: the files live only
// as long as the worker's and the process's descriptors, so a crash of either leaves nothing behind
// and no path in the file system names them (another process of the same user can still open them
// through /proc/<pid>/fd, as it can read the stage). Emptied each time the process goes back to its
// pool, so an idle process holds no batch.
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

/** Below this much free space a RAM-backed folder is passed over (a container's /dev/shm is 64 MB by default). */
const MIN_SHM_FREE_BYTES = 2 ** 30;

/** A RAM-backed folder where there is one with room (Linux), else the OS's temporary folder. */
export function batchFolder(shm = '/dev/shm'): string {
  try {
    fs.accessSync(shm, fs.constants.W_OK);
    const stats = fs.statfsSync(shm);
    if (stats.bavail * stats.bsize >= MIN_SHM_FREE_BYTES) return shm;
  } catch {
    // no such folder, or not ours to write
  }
  return os.tmpdir();
}

export class BatchFiles {
  private readonly batches: number[] = [];
  private readonly answers: number[] = [];
  private readonly busy: boolean[] = Array.from({ length: BATCH_FILE_PAIRS }, () => false);
  private readonly waiting: ((pair: number) => void)[] = [];
  private closed = false;

  constructor() {
    const dir = fs.mkdtempSync(path.join(batchFolder(), 'batch-inference-py-'));
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
    this.open();
    let at = 0;
    while (at < bytes.byteLength) at += fs.writeSync(this.batches[pair], bytes, at, bytes.byteLength - at, at);
  }

  /**
   * The answer's `length` bytes, checked against what the file holds before any buffer is sized for
   * them (the length comes from the process), read into `into(length)` or a fresh buffer.
   */
  readAnswer(pair: number, length: number, into?: (length: number) => Buffer | undefined): Buffer {
    this.open();
    const fd = this.answers[pair];
    if (!Number.isSafeInteger(length) || length < 0 || length > MAX_BATCH_BYTES) {
      throw new PythonProtocolError(`an answer of ${String(length)} bytes`);
    }
    const size = fs.fstatSync(fd).size;
    if (length > size) throw new PythonProtocolError(`an answer of ${length} bytes in a file of ${size}`);
    const out = into?.(length) ?? Buffer.allocUnsafeSlow(length);
    let at = 0;
    while (at < length) {
      const n = fs.readSync(fd, out, at, length - at, at);
      if (n === 0) throw new PythonProtocolError(`an answer of ${length} bytes in a file of ${at}`);
      at += n;
    }
    return out.subarray(0, length);
  }

  /** Gives the files' space back (an idle process holds no batch, and nothing of one chunk's stays for the next). */
  empty(): void {
    if (this.closed) return;
    for (const fd of [...this.batches, ...this.answers]) fs.ftruncateSync(fd, 0);
  }

  private open(): void {
    // A closed descriptor's number may be another file's by now.
    if (this.closed) throw new PythonProtocolError('batch files used after the process ended');
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
