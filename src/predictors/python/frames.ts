// The framing between a worker and its Python model process (runner.py): 1 byte kind, 4 bytes
// little-endian payload length, payload. J frames hold small JSON control messages; A frames hold an
// Arrow IPC stream (the data path: no JSON or CSV there).
import { PythonProtocolError } from './errors.js';

export type FrameKind = 'J' | 'A';
export interface Frame {
  kind: FrameKind;
  payload: Buffer;
}

const HEADER = 5;
/** Far above any batch (a 128k-row batch of 100 float columns is ~100 MB); bounds what a broken process can make us buffer. */
export const MAX_FRAME_BYTES = 2 ** 31;

export function frameHeader(kind: FrameKind, length: number): Buffer {
  const header = Buffer.allocUnsafe(HEADER);
  header.write(kind, 0, 'latin1');
  header.writeUInt32LE(length, 1);
  return header;
}

/** Cuts a byte stream into frames; throws PythonProtocolError on a kind or length that cannot be right. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** With reusePayloads: the buffer an Arrow frame's payload is joined into, kept for the next one. */
  private scratch?: Buffer;
  /** The next Arrow frame may go into the scratch buffer (once per expectAnswer). */
  private armed = false;

  /**
   * reusePayloads: the Arrow frame answering a request is joined into one buffer kept from answer to
   * answer, not a fresh one each time: for a caller that is done with each answer before it sends the
   * next request (a chunk thread's process), it saves an allocation the size of each batch, and the
   * collections V8 ran for them.
   */
  constructor(private readonly options: { reusePayloads?: boolean } = {}) {}

  /**
   * A request has gone out: its Arrow answer may overwrite the previous one. Any other Arrow frame
   * (a model writing to the pipe itself) gets bytes of its own, so it can never change an answer
   * that is still being checked or written.
   */
  expectAnswer(): void {
    this.armed = true;
  }

  push(data: Buffer): Frame[] {
    this.chunks.push(data);
    this.buffered += data.length;
    const frames: Frame[] = [];
    for (;;) {
      if (this.buffered < HEADER) return frames;
      const head = this.peek(HEADER);
      const kind = String.fromCharCode(head[0]);
      const length = head.readUInt32LE(1);
      if (kind !== 'J' && kind !== 'A') throw new PythonProtocolError(`unknown frame kind 0x${head[0].toString(16)}`);
      if (length > MAX_FRAME_BYTES) throw new PythonProtocolError(`frame of ${length} bytes`);
      if (this.buffered < HEADER + length) return frames;
      this.take(HEADER);
      const reuse = kind === 'A' && this.options.reusePayloads && this.armed;
      if (reuse) this.armed = false;
      frames.push({ kind, payload: reuse ? this.takeInto(length) : this.take(length) });
    }
  }

  private peek(n: number): Buffer {
    if (this.chunks[0].length >= n) return this.chunks[0];
    const joined = Buffer.concat(this.chunks);
    this.chunks = [joined];
    return joined;
  }

  /** The next n bytes copied into the scratch buffer (8-byte aligned: a fresh allocation, or its start). */
  private takeInto(n: number): Buffer {
    if (!this.scratch || this.scratch.length < n) this.scratch = Buffer.alloc(Math.ceil(n * 1.25));
    let at = 0;
    while (at < n) {
      const chunk = this.chunks[0];
      const used = Math.min(chunk.length, n - at);
      chunk.copy(this.scratch, at, 0, used);
      at += used;
      if (used === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(used);
    }
    this.buffered -= n;
    return this.scratch.subarray(0, n);
  }

  /**
   * The next n bytes. A payload spread over several reads is joined into a buffer of its own, which
   * starts 8-byte aligned: apache-arrow copies a message body that is not (a copy of every batch).
   */
  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0); // an empty frame, possibly the last bytes buffered
    const first = this.chunks[0].length >= n ? this.chunks[0] : Buffer.concat(this.chunks);
    const rest = first.subarray(n);
    this.chunks = first === this.chunks[0] && this.chunks.length > 1 ? [rest, ...this.chunks.slice(1)] : rest.length ? [rest] : [];
    if (this.chunks.length && this.chunks[0].length === 0) this.chunks.shift();
    this.buffered -= n;
    return first.subarray(0, n);
  }
}
