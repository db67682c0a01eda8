// Encodes a record batch as an Arrow IPC stream into one buffer reused from batch to batch.
// arrow.tableToIPC allocates a fresh buffer the size of the batch each time; at 10M rows those buffers
// (with the others a batch allocates) made V8 run a full collection every two or three batches
// ("external memory pressure"), and its marking threads took as much CPU as a scoring thread
// (measured with perf on a chunk thread, issue 12).
import * as arrow from 'apache-arrow';

/** A stream writer that keeps the pieces it writes (views of the columns' buffers) instead of queuing them. */
class PieceWriter extends arrow.RecordBatchStreamWriter {
  pieces: Uint8Array[] = [];
  length = 0;

  protected override _write(chunk: unknown): this {
    if (!this._started) return this;
    // Arrow's stream writer only writes views (headers, body buffers, padding); anything else would be
    // a change in the library that must not drop bytes silently.
    if (!ArrayBuffer.isView(chunk)) throw new Error(`IpcScratch: arrow's writer wrote a ${typeof chunk}, not bytes`);
    if (chunk.byteLength === 0) return this;
    this.pieces.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.length += chunk.byteLength;
    this._position += chunk.byteLength;
    return this;
  }
}

export class IpcScratch {
  private buffer = new Uint8Array(0);

  /** `table` as one Arrow IPC stream: a view of the scratch buffer, valid until the next call. */
  encode(table: arrow.Table): Uint8Array {
    const writer = new PieceWriter();
    writer.writeAll(table);
    if (writer.length > this.buffer.byteLength) this.buffer = new Uint8Array(Math.ceil(writer.length * 1.25));
    let at = 0;
    for (const piece of writer.pieces) {
      this.buffer.set(piece, at);
      at += piece.byteLength;
    }
    return this.buffer.subarray(0, at);
  }
}
