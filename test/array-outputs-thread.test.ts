// List outputs from a BATCH_PREDICTORS module, which runs in a predictor thread: the flattened values,
// offsets and validity cross the thread boundary and land in the table exactly (as float32).
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './support/harness.js';
import { EMBED_DIM, embedValue } from './fixtures/embedPredictors.js';

const MODULE = fileURLToPath(new URL('./fixtures/embedPredictors.ts', import.meta.url));

describe('array outputs from a predictor thread', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ BATCH_PREDICTORS: MODULE });
    await h.sql('CREATE SCHEMA IF NOT EXISTS dev');
    await h.sql('CREATE TABLE dev.docs AS SELECT i::BIGINT AS id FROM range(5000) r(i)');
    await h.startWorker({ batchRows: 2048 });
  });
  afterAll(() => h?.close());

  it('a module predictor’s FLOAT[8] embeddings are published exactly', async () => {
    const { runId } = await h.client.startBatchInference({
      inputQuery: 'SELECT id FROM {schema}.docs',
      predictor: 'threadEmbed',
      outputTableName: 'dev.thread_emb',
      outputTableDefinition: [
        ['id', 'NUMBER'],
        ['emb', `FLOAT[${EMBED_DIM}]`],
      ],
    });
    expect((await h.client.waitForResult(runId)).rowsOut).toBe(5000);
    const rows = await h.sql<{ id: number; emb: number[] }>('SELECT id::INTEGER AS id, emb FROM dev.thread_emb ORDER BY id');
    expect(rows).toHaveLength(5000);
    const wrong = rows.filter((r) => r.emb.length !== EMBED_DIM || r.emb.some((v, j) => Math.fround(v) !== embedValue(r.id, j)));
    expect(wrong).toHaveLength(0);
  });
});
