// One column's pages of the row group being gathered, copied out of the batch (whose buffers the
// reader and the model reuse). The bytes live in buffers kept for the next chunk in this thread: a
// fresh buffer per column per chunk is tens of MB of external memory a chunk, what made V8 run full
// collections every few batches (see ipcScratch.ts).

/** Buffers kept between chunks, up to this many bytes in all. */
const KEPT_BYTES = 128 * 1024 * 1024;
const kept: Uint8Array[] = [];
let keptBytes = 0;

function take(atLeast: number): Uint8Array {
  const i = kept.findIndex((b) => b.byteLength >= atLeast);
  if (i < 0) return new Uint8Array(Math.max(1 << 20, Math.ceil(atLeast * 1.5)));
  const [buffer] = kept.splice(i, 1);
  keptBytes -= buffer.byteLength;
  return buffer;
}

function give(buffer: Uint8Array): void {
  if (buffer.byteLength === 0 || keptBytes + buffer.byteLength > KEPT_BYTES) return;
  kept.push(buffer);
  keptBytes += buffer.byteLength;
}

export class ColumnBuffer {
  private buffer: Uint8Array = new Uint8Array(0);
  length = 0;
  /** Rows in its pages (a page holds a value or a NULL per row). */
  rows = 0;

  /** Copies a page (its pieces, in order) of `rows` rows. */
  add(pieces: Uint8Array[], rows: number): void {
    const size = pieces.reduce((a, p) => a + p.length, 0);
    if (this.length + size > this.buffer.byteLength) {
      const grown = take(this.length + size);
      grown.set(this.buffer.subarray(0, this.length));
      give(this.buffer);
      this.buffer = grown;
    }
    for (const piece of pieces) {
      this.buffer.set(piece, this.length);
      this.length += piece.length;
    }
    this.rows += rows;
  }

  /** The pages gathered (a view, valid until the next add or clear). */
  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  clear(): void {
    this.length = 0;
    this.rows = 0;
  }

  /** Gives the buffer back for another chunk. */
  release(): void {
    give(this.buffer);
    this.buffer = new Uint8Array(0);
    this.clear();
  }
}
