// When parquet-wasm is not used for a chunk: files over the size bound (WebAssembly memory holds a
// whole file and never shrinks), and every chunk after a panic inside parquet-wasm (its memory is
// then in an unknown state). Either way the chunk is read by DuckDB (chunkIO.ts).
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parquetBatches } from '../../src/scoring/parquetReader.js';
import { noteWasmError, wasmUsable } from '../../src/scoring/wasmHealth.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-wasm-health-'));
const file = path.join(dir, 'small.parquet');

beforeAll(async () => {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run(`COPY (SELECT i::BIGINT AS id, (i * 0.5)::DOUBLE AS x FROM range(1000) t(i)) TO '${file}' (FORMAT parquet)`);
  conn.closeSync();
  db.closeSync();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it('reads a chunk whose files are over the size bound with DuckDB', async () => {
  const size = fs.statSync(file).size;
  expect(await parquetBatches([{ path: file }], 4096, size)).toBeDefined();
  expect(await parquetBatches([{ path: file }, { path: file }], 4096, size)).toBeUndefined();
});

it('stops using parquet-wasm after a panic inside it, and not after an ordinary error', async () => {
  noteWasmError(new Error('not a parquet file'));
  expect(wasmUsable()).toBe(true);
  noteWasmError(new WebAssembly.RuntimeError('unreachable'));
  expect(wasmUsable()).toBe(false);
  expect(await parquetBatches([{ path: file }], 4096)).toBeUndefined();
});
