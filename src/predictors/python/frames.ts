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
      if (reuse && (!this.scratch || this.scratch.length < length)) this.scratch = Buffer.alloc(Math.ceil(length * 1.25));
      frames.push({ kind, payload: this.take(length, reuse ? this.scratch : undefined) });
    }
  }

  private peek(n: number): Buffer {
    if (this.chunks[0].length >= n) return this.chunks[0];
    const joined = Buffer.concat(this.chunks);
    this.chunks = [joined];
    return joined;
  }

  /**
   * The next n bytes: a view of the read that holds them all (a small frame), else copied into `into`
   * or a fresh buffer, either of which starts 8-byte aligned: apache-arrow copies a message body that
   * is not (a copy of every batch). Only what the frame holds is copied, not the reads after it.
   */
  private take(n: number, into?: Buffer): Buffer {
    if (n === 0) return Buffer.alloc(0); // an empty frame, possibly the last bytes buffered
    this.buffered -= n;
    const first = this.chunks[0];
    if (!into && first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = into ?? Buffer.allocUnsafeSlow(n);
    let at = 0;
    let whole = 0; // reads used up, dropped at once (shift() per read is quadratic in tiny reads)
    while (at < n) {
      const chunk = this.chunks[whole];
      const used = Math.min(chunk.length, n - at);
      chunk.copy(out, at, 0, used);
      at += used;
      if (used === chunk.length) whole++;
      else this.chunks[whole] = chunk.subarray(used);
    }
    this.chunks.splice(0, whole);
    return out.subarray(0, n);
  }
}
