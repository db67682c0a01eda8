// Where a chunk thread's Python answers are read to: two buffers reused from answer to answer instead
// of a fresh one the size of each batch (the allocations, and the collections V8 ran for them). Two,
// because the thread reads the next answer while it still writes the previous one; a buffer is never
// written while the answer it holds is in use.

import { BATCH_FILE_PAIRS } from './batchFiles.js';

interface AnswerBuffer {
  buffer: Buffer;
  busy: boolean;
}

/** As many as answers can be out at once: one per pair of batch files. */
const BUFFERS = BATCH_FILE_PAIRS;

export class AnswerBuffers {
  private readonly buffers: AnswerBuffer[] = [];

  /**
   * A buffer of at least `length` bytes, busy until `release` is called; undefined while both are
   * held (the answer then gets bytes of its own). A buffer starts 8-byte aligned: apache-arrow copies
   * a message body that is not.
   */
  claim(length: number): { buffer: Buffer; release: () => void } | undefined {
    let slot = this.buffers.find((b) => !b.busy);
    if (!slot && this.buffers.length < BUFFERS) this.buffers.push((slot = { buffer: Buffer.alloc(0), busy: false }));
    if (!slot) return undefined;
    if (slot.buffer.length < length) slot.buffer = Buffer.allocUnsafeSlow(Math.ceil(length * 1.25));
    slot.busy = true;
    const held = slot;
    return { buffer: held.buffer, release: () => void (held.busy = false) };
  }
}
