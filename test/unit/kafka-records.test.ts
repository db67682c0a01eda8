// Kafka records are JSON built by DuckDB from a chunk's parquet: every record must parse, whatever
// non-finite floats (allowNonFinite) or 64-bit integers the predictions hold, in lists too.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { forEachRecordBatch } from '../../src/adapters/kafka/records.js';
import { withEngine } from '../../src/adapters/localEngine/localEngine.js';

describe('Kafka records', () => {
  it('are valid JSON with NaN and ±Infinity as text, in scalars and float lists, and big integers as strings', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bi-kafka-records-')), 'chunk.parquet');
    await withEngine(async (conn) => {
      await conn.run(
        `COPY (SELECT * FROM (VALUES
           (1::BIGINT, 'nan'::DOUBLE, [1.5, 'nan'::DOUBLE, '-inf'::DOUBLE]::DOUBLE[], [0.25, 'inf'::FLOAT, 2]::FLOAT[3]),
           (9007199254740993::BIGINT, 0.5::DOUBLE, NULL::DOUBLE[], [1, 2, 3]::FLOAT[3])
         ) t(id, score, embedding, fixed)) TO '${file}' (FORMAT parquet)`,
      );
    });
    const columns = [
      { name: 'id', type: 'BIGINT' },
      { name: 'score', type: 'DOUBLE' },
      { name: 'embedding', type: 'DOUBLE[]' },
      { name: 'fixed', type: 'FLOAT[3]' },
    ];
    const records: unknown[] = [];
    await forEachRecordBatch(file, columns, 'id', async ({ values }) => {
      for (const v of values) records.push(JSON.parse(v));
    });
    expect(records).toEqual([
      { id: 1, score: 'nan', embedding: [1.5, 'nan', '-inf'], fixed: [0.25, 'inf', 2] },
      { id: '9007199254740993', score: 0.5, embedding: null, fixed: [1, 2, 3] },
    ]);
  });
});
