// The parquet-wasm writer encodes each batch into one buffer reused from batch to batch (ipcScratch.ts)
// instead of a fresh buffer per batch. The bytes must be exactly arrow's own stream encoding of the
// batch, whatever the previous batch left in the buffer (a longer one, NULLs, strings, booleans).
import * as arrow from 'apache-arrow';
import { expect, it } from 'vitest';
import { IpcScratch } from '../../src/scoring/ipcScratch.js';

function batch(rows: number, seed: number): arrow.Table {
  const id = BigInt64Array.from({ length: rows }, (_, i) => BigInt(i * seed));
  const score = Float64Array.from({ length: rows }, (_, i) => (i * seed) / 7);
  const label = arrow.vectorFromArray(
    Array.from({ length: rows }, (_, i) => (i % 5 === 0 ? null : `class-${(i * seed) % 3}`)),
    new arrow.Utf8(),
  );
  const flag = arrow.vectorFromArray(
    Array.from({ length: rows }, (_, i) => (i % 7 === 0 ? null : i % 2 === 0)),
    new arrow.Bool(),
  );
  return new arrow.Table({ id: arrow.makeVector(id), score: arrow.makeVector(score), label, flag });
}

it('encodes each batch exactly as tableToIPC does, the buffer reused from one batch to the next', () => {
  const scratch = new IpcScratch();
  // Large, then smaller (the tail of the earlier batch stays in the buffer), then larger again (regrown).
  for (const [rows, seed] of [
    [50_000, 3],
    [1_000, 5],
    [0, 1],
    [120_000, 11],
  ]) {
    const table = batch(rows, seed);
    const encoded = scratch.encode(table);
    expect(Buffer.from(encoded).equals(Buffer.from(arrow.tableToIPC(table, 'stream')))).toBe(true);
    const back = arrow.tableFromIPC(encoded);
    expect(back.numRows).toBe(rows);
    if (rows) {
      expect(back.getChild('label')!.get(rows - 1)).toBe(table.getChild('label')!.get(rows - 1));
      expect(back.getChild('flag')!.nullCount).toBe(table.getChild('flag')!.nullCount);
    }
  }
});

it('hands out a view of the same memory for batches that fit: the next batch overwrites it', () => {
  const scratch = new IpcScratch();
  const first = scratch.encode(batch(10_000, 2));
  const second = scratch.encode(batch(9_000, 4));
  expect(second.buffer).toBe(first.buffer);
});
