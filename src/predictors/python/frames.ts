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
      const all = this.take(HEADER + length);
      frames.push({ kind, payload: all.subarray(HEADER) });
    }
  }

  private peek(n: number): Buffer {
    if (this.chunks[0].length >= n) return this.chunks[0];
    const joined = Buffer.concat(this.chunks);
    this.chunks = [joined];
    return joined;
  }

  private take(n: number): Buffer {
    const first = this.chunks[0].length >= n ? this.chunks[0] : Buffer.concat(this.chunks);
    const rest = first.subarray(n);
    this.chunks = first === this.chunks[0] && this.chunks.length > 1 ? [rest, ...this.chunks.slice(1)] : rest.length ? [rest] : [];
    if (this.chunks.length && this.chunks[0].length === 0) this.chunks.shift();
    this.buffered -= n;
    return first.subarray(0, n);
  }
}
