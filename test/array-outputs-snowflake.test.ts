// List outputs published to Snowflake (snowflake-sdk → fakesnow): the table is created with ARRAY for a
// list without a dimension and the parquet list column loads into it. fakesnow does not parse
// VECTOR(FLOAT, n) ("Expected a constant as type modifier"), so a fixed dimension is checked as SQL text only.
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalStage } from '../src/adapters/stage/local/localStage.js';
import { useFakesnow } from './support/useFakesnow.js';

describe('array outputs on Snowflake (fakesnow)', () => {
  const sf = useFakesnow();
  let stage: LocalStage;
  beforeAll(() => {
    stage = new LocalStage(sf.account.stageDir);
  });

  it('creates an ARRAY column and loads the parquet lists into it', async () => {
    const dir = path.join(stage.root, 'runs', 'emb-run', 'output', '0');
    fs.mkdirSync(dir, { recursive: true });
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    await conn.run(
      `COPY (SELECT i::BIGINT AS id, [i * 0.5, i + 0.25, -1.5]::DOUBLE[] AS emb FROM range(10) t(i)) TO '${path.join(dir, '000000.parquet')}' (FORMAT parquet)`,
    );
    conn.closeSync();
    db.closeSync();
    const result = await sf.wh.publish({
      runId: 'emb-run',
      publishId: 'emb-run-exec',
      table: 'EMBEDDINGS',
      definition: [
        ['id', 'NUMBER'],
        ['emb', 'DOUBLE[]'],
      ],
      autoCreateTable: true,
      overwrite: true,
      stage,
      prefix: 'runs/emb-run/output',
      useUtc: true,
    });
    expect(result).toMatchObject({ table: 'EMBEDDINGS', rows: 10 });
    expect(sf.fk.statements.map((s) => s.sqlText)).toContain('CREATE TABLE "EMBEDDINGS" ("ID" NUMBER, "EMB" ARRAY)');
    const rows = await sf.account.admin('SELECT ID, EMB FROM EMBEDDINGS ORDER BY ID');
    const emb = (r: Record<string, unknown>) => (typeof r.EMB === 'string' ? JSON.parse(r.EMB) : r.EMB);
    expect(emb(rows[3]!)).toEqual([1.5, 3.25, -1.5]);
  });
});
