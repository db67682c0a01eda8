// The framing between a worker and its Python model process (runner.py): 1 byte kind, 4 bytes
// little-endian payload length, payload. J frames hold small JSON control messages; A frames hold an
// Arrow IPC stream (the data path: no JSON or CSV there).
import { PythonProtocolError } from './errors.js';

export type FrameKind = 'J' | 'A';
export interface Frame {
  kind: FrameKind;
  payload: Buffer;
  /** For a payload in one of the reused answer buffers: hands that buffer back (its bytes may then change). */
  release?: () => void;
}

/** One of the reused answer buffers: busy from the answer it holds until that answer is released. */
interface AnswerSlot {
  buffer: Buffer;
  busy: boolean;
}

/** Two: a caller may read the next answer while it still writes the previous one (a chunk thread's lookahead). */
const ANSWER_SLOTS = 2;

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
  /** With reusePayloads: the buffers answers are joined into, kept for the next ones. */
  private readonly slots: AnswerSlot[] = [];
  /** Requests whose Arrow answer may go into a free slot (one each, counted by expectAnswer). */
  private armed = 0;

  /**
   * reusePayloads: the Arrow frame answering a request is joined into one of two buffers kept from
   * answer to answer, not a fresh one each time: it saves an allocation the size of each batch, and
   * the collections V8 ran for them. The caller releases each answer when it is done with it.
   */
  constructor(private readonly options: { reusePayloads?: boolean } = {}) {}

  /**
   * A request has gone out: its Arrow answer may go into a reused buffer that no unreleased answer
   * holds. A buffer still held is never written: an answer with no free buffer, or any Arrow frame
   * beyond one per request (a model writing to the pipe itself), gets bytes of its own, so nothing
   * can change an answer that is still being checked or written.
   */
  expectAnswer(): void {
    this.armed++;
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
      const slot = kind === 'A' && this.options.reusePayloads && this.armed > 0 ? this.claimSlot(length) : undefined;
      const payload = this.take(length, slot?.buffer);
      frames.push(slot ? { kind, payload, release: () => void (slot.busy = false) } : { kind, payload });
    }
  }

  /** Uses up one request's claim: a free answer buffer of at least `length` bytes, if any. */
  private claimSlot(length: number): AnswerSlot | undefined {
    this.armed--;
    let slot = this.slots.find((s) => !s.busy);
    if (!slot && this.slots.length < ANSWER_SLOTS) this.slots.push((slot = { buffer: Buffer.alloc(0), busy: false }));
    if (!slot) return undefined;
    if (slot.buffer.length < length) slot.buffer = Buffer.alloc(Math.ceil(length * 1.25));
    slot.busy = true;
    return slot;
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
