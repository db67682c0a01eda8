// The control frames between a worker and its Python model process (runner.py): 1 byte kind ('J'),
// 4 bytes little-endian payload length, a JSON payload. The batches themselves do not travel here but
// through files (batchFiles.ts); a frame only says which file and how many bytes.
import { PythonProtocolError } from './errors.js';

const HEADER = 5;
/** Control messages are small (a traceback at most); bounds what a broken process can make us buffer. */
export const MAX_FRAME_BYTES = 16 * 2 ** 20;

export function frameHeader(length: number): Buffer {
  const header = Buffer.allocUnsafe(HEADER);
  header.write('J', 0, 'latin1');
  header.writeUInt32LE(length, 1);
  return header;
}

/** Cuts a byte stream into frames' payloads; throws PythonProtocolError on a kind or length that cannot be right. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  push(data: Buffer): Buffer[] {
    this.chunks.push(data);
    this.buffered += data.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.buffered < HEADER) return frames;
      const head = this.peek(HEADER);
      const length = head.readUInt32LE(1);
      if (head[0] !== 0x4a) throw new PythonProtocolError(`unknown frame kind 0x${head[0].toString(16)}`);
      if (length > MAX_FRAME_BYTES) throw new PythonProtocolError(`frame of ${length} bytes`);
      if (this.buffered < HEADER + length) return frames;
      this.take(HEADER);
      frames.push(this.take(length));
    }
  }

  private peek(n: number): Buffer {
    if (this.chunks[0].length >= n) return this.chunks[0];
    const joined = Buffer.concat(this.chunks);
    this.chunks = [joined];
    return joined;
  }

  /** The next n bytes: a view of the read that holds them all, else copied into a buffer of their own. */
  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0); // an empty frame, possibly the last bytes buffered
    this.buffered -= n;
    const first = this.chunks[0];
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
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
    return out;
  }
}
