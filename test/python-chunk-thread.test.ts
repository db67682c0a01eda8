// Python models on chunk threads (issue 13): the thread reads the chunk with parquet-wasm, sends each
// batch to a Python process of its own and writes the answer, so no row crosses the worker's main
// thread. Proven with the real python3: the seed's predict_fn scored on a chunk thread gives exactly
// what SQL gives; a user exception arrives as PythonModelError; a chunk stopped while Python computes
// kills its process and keeps its thread; closing the threads leaves no process, not even a zombie.
// Nothing waits on time: the gated model writes a file and waits for the test's gate file.
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePythonModel } from '../src/predictors/python/modelSource.js';
import type { PythonThreadInit } from '../src/models/kinds/pythonThread.js';
import { ChunkThreads } from '../src/scoring/chunkThreads/chunkThreads.js';
import type { ColumnDefinition } from '../src/spec/types.js';
import { alive } from './support/processGroup.js';
import { until } from './support/wait.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/python/', import.meta.url));
const THREAD_MODULE = pathToFileURL(fileURLToPath(new URL('../src/models/kinds/pythonThread.ts', import.meta.url))).href;

describe('a Python model on a chunk thread', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-py-thread-'));
  const gates = path.join(dir, 'gates');
  const input = path.join(dir, 'input.parquet');
  let threads: ChunkThreads;
  let db: DuckDBInstance;
  const sql = async (query: string) => {
    const conn = await db.connect();
    try {
      return (await conn.runAndReadAll(query)).getRowObjectsJS();
    } finally {
      conn.closeSync();
    }
  };

  beforeAll(async () => {
    fs.mkdirSync(gates);
    // Threads copy the environment when they start: the gated model finds its folder there.
    process.env.MODEL_TEST_DIR = gates;
    threads = new ChunkThreads(1, 256);
    db = await DuckDBInstance.create(':memory:');
    // What the seed's query gives: feature_1 NULL every 5th row, feature_2 every 7th; 3 batches and a bit.
    await sql(`COPY (SELECT i::BIGINT AS id, CASE WHEN i % 5 = 0 THEN NULL ELSE (i * 7919 % 1000) / 1000.0 END::DOUBLE AS feature_1,
      CASE WHEN i % 7 = 0 THEN NULL ELSE (i * 104729 % 997) / 997.0 END::DOUBLE AS feature_2 FROM range(10000) t(i)) TO '${input}' (FORMAT parquet)`);
  });

  afterAll(async () => {
    await threads.close();
    db.closeSync();
    delete process.env.MODEL_TEST_DIR;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const request = (model: string, functionName: string, scratch: string) => {
    const init: PythonThreadInit = {
      source: resolvePythonModel(model),
      functionName,
      key: `${model}@1`,
      ref: `m@1:${functionName}`,
      python: 'python3',
      maxRssMb: 4096,
    };
    return {
      predictor: `m@1:${functionName}`,
      // As models/kinds/python.ts gives it: the next batch goes out while the previous answer is written.
      source: { moduleUrl: THREAD_MODULE, exportName: 'pythonThreadPredictor', init, stopsItself: true, pipelined: true },
      parts: [{ path: input, rowStart: 500, rowEnd: 9700 }],
      includeInputColumns: false,
      batchRows: 3000,
      runId: 'r',
      worker: 0,
      chunk: 4,
      allowNonFinite: false,
      scratch: path.join(dir, scratch),
    };
  };

  it("scores the seed's predict_fn exactly as SQL computes it, batch by batch", async () => {
    const thread = threads.tryAcquire()!;
    const progress: number[] = [];
    const reply = await thread.run(request(path.join(FIXTURES, 'seed000'), 'predict_fn', 'seed.parquet'), (_batch, rows) =>
      progress.push(rows),
    );
    expect(reply).toMatchObject({ type: 'done', rowsOut: 9200 });
    expect(progress).toEqual([3000, 6000, 9000, 9200]);
    const out = path.join(dir, 'seed.parquet');
    expect(await sql(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '${out}')`)).toEqual([
      { column_name: 'id', column_type: 'BIGINT' },
      { column_name: 'score', column_type: 'DOUBLE' },
      { column_name: 'label', column_type: 'BIGINT' },
    ]);
    const expected = `SELECT id, round(coalesce(feature_1, 0) * 0.7 + coalesce(feature_2, 0) * 0.3, 6) AS score,
      (round(coalesce(feature_1, 0) * 0.7 + coalesce(feature_2, 0) * 0.3, 6) >= 0.5)::BIGINT AS label
      FROM '${input}' WHERE id >= 500 AND id < 9700`;
    const differences = await sql(
      `SELECT count(*) AS n FROM (SELECT e.id FROM (${expected}) e FULL JOIN '${out}' o USING (id)
        WHERE o.id IS NULL OR e.id IS NULL OR abs(e.score - o.score) > 1e-9 OR e.label <> o.label)`,
    );
    expect(differences.map((r) => Number(r.n))).toEqual([0]);
  });

  it('keeps every answer intact while the next batch is out, down to batches small enough to arrive together', async () => {
    // 100-row batches: several answers arrive in one read while the thread still writes the one before.
    // With an outputTableDefinition, DuckDB writes (its first append waits for the table): the answers
    // that arrive meanwhile must not be written into the buffer the first one still occupies.
    const typed: ColumnDefinition[] = [
      ['id', 'BIGINT'],
      ['score', 'DOUBLE'],
      ['label', 'BIGINT'],
    ];
    for (const [name, outputTableDefinition] of [
      ['small', undefined],
      ['small-typed', typed],
    ] as const) {
      const thread = threads.tryAcquire()!;
      const small = {
        ...request(path.join(FIXTURES, 'seed000'), 'predict_fn', `${name}.parquet`),
        batchRows: 100,
        outputTableDefinition,
        required: outputTableDefinition?.map(([column]) => column),
      };
      expect(await thread.run(small, () => {})).toMatchObject({ type: 'done', rowsOut: 9200 });
      const out = path.join(dir, `${name}.parquet`);
      const differences = await sql(
        `SELECT count(*) AS n FROM (SELECT e.id FROM (SELECT id, round(coalesce(feature_1, 0) * 0.7 + coalesce(feature_2, 0) * 0.3, 6) AS score
          FROM '${input}' WHERE id >= 500 AND id < 9700) e FULL JOIN '${out}' o USING (id) WHERE o.id IS NULL OR e.id IS NULL OR abs(e.score - o.score) > 1e-9)`,
      );
      expect([name, differences.map((r) => Number(r.n))]).toEqual([name, [0]]);
      const counts = await sql(`SELECT count(*) AS n, count(DISTINCT id) AS d FROM '${out}'`);
      expect(counts.map((r) => [Number(r.n), Number(r.d)])).toEqual([[9200, 9200]]);
    }
  });

  it('names the row of the chunk that holds an infinite prediction, with the next batch already out', async () => {
    // Rows 500..9699 in batches of 3000: id 7000 is the chunk's row 6500, in its third batch.
    const thread = threads.tryAcquire()!;
    const reply = await thread.run(request(path.join(FIXTURES, 'behaviours.py'), 'infinite_at_7000', 'infinite.parquet'), () => {});
    expect(reply).toMatchObject({ type: 'failed', error: { name: 'NonFiniteOutputError', fields: { row: 6500 } } });
  });

  it('scores a chunk read by DuckDB with its row keys (includeInputColumns with an outputTableDefinition) one batch at a time', async () => {
    // That reader reuses its key buffers from batch to batch: the next batch may not be read before the
    // previous one is written, so this chunk is not pipelined.
    const thread = threads.tryAcquire()!;
    const keyed = {
      ...request(path.join(FIXTURES, 'seed000'), 'predict_fn', 'keyed.parquet'),
      includeInputColumns: true,
      outputTableDefinition: [['score', 'DOUBLE']] as ColumnDefinition[],
      required: ['score'],
    };
    expect(await thread.run(keyed, () => {})).toMatchObject({ type: 'done', rowsOut: 9200 });
    const [check] = await sql(`SELECT count(*)::INTEGER AS n, count(DISTINCT id)::INTEGER AS d, count(*) FILTER (WHERE
      abs(score - round(coalesce(feature_1, 0) * 0.7 + coalesce(feature_2, 0) * 0.3, 6)) > 1e-9)::INTEGER AS wrong FROM '${path.join(dir, 'keyed.parquet')}'`);
    expect(check).toEqual({ n: 9200, d: 9200, wrong: 0 });
  });

  it("does not let a failed chunk's leftover call take the next chunk's process", async () => {
    // The first chunk fails on batch 0 with batch 1 out (its process is killed at the chunk's end); the
    // leftover call's failure must not drop the process the next chunk holds by then.
    const own = new ChunkThreads(1, 256);
    const thread = own.tryAcquire()!;
    const model = path.join(FIXTURES, 'behaviours.py');
    fs.writeFileSync(path.join(gates, 'fail'), '');
    const failed = await thread.run({ ...request(model, 'fails_then_waits', 'fails-1.parquet'), batchRows: 1000 }, () => {});
    expect(failed).toMatchObject({ type: 'failed', error: { name: 'PythonModelError' } });
    fs.rmSync(path.join(gates, 'fail'));
    const done = await thread.run({ ...request(model, 'fails_then_waits', 'fails-2.parquet'), batchRows: 1000 }, () => {});
    expect(done).toMatchObject({ type: 'done', rowsOut: 9200 });
    const pids = (await sql(`SELECT DISTINCT pid FROM '${path.join(dir, 'fails-2.parquet')}'`)).map((r) => Number(r.pid));
    expect(pids).toHaveLength(1); // one process for the whole chunk (load() once), not a third one
    await own.close();
    await until(async () => (fs.existsSync(`/proc/${pids[0]}`) ? undefined : true), 10_000, `python process ${pids[0]} to be gone`);
  });

  it('reports an exception in user code as PythonModelError with the Python exception type', async () => {
    const thread = threads.tryAcquire()!;
    const reply = await thread.run(request(path.join(FIXTURES, 'behaviours.py'), 'raises', 'raises.parquet'), () => {});
    expect(reply).toMatchObject({ type: 'failed', error: { name: 'PythonModelError', nonRetryable: true } });
    expect(reply).toMatchObject({ error: { fields: { excType: 'KeyError' } } });
  });

  it('kills its Python process and keeps the thread when the chunk is stopped while Python computes', async () => {
    const thread = threads.tryAcquire()!;
    const answer = thread.run(request(path.join(FIXTURES, 'behaviours.py'), 'gated', 'gated.parquet'), () => {});
    answer.catch(() => {});
    const pid = await until(
      async () => {
        const found = fs.readdirSync(gates).find((n) => n.startsWith('computing-'));
        return found ? Number(found.slice('computing-'.length)) : undefined;
      },
      60_000,
      'the gated model computing',
    );
    expect(alive(pid)).toBe(true);
    thread.stop();
    // Gone, not a zombie: the thread that started it reaped it (a terminated thread's children are never reaped).
    await until(async () => (fs.existsSync(`/proc/${pid}`) ? undefined : true), 10_000, `python process ${pid} to be gone`);
    // The thread answered the stop itself: it was not terminated, and takes the next chunk.
    await until(async () => (thread.idle ? true : undefined), 10_000, 'the stopped thread answering');
    expect(thread.alive).toBe(true);
    expect(await thread.run(request(path.join(FIXTURES, 'seed000'), 'predict_fn', 'after.parquet'), () => {})).toMatchObject({
      type: 'done',
    });
  });

  it('leaves no Python process behind when the threads close (a worker shutting down)', async () => {
    const own = new ChunkThreads(1, 256);
    const thread = own.tryAcquire()!;
    const out = path.join(dir, 'pid.parquet');
    expect(await thread.run(request(path.join(FIXTURES, 'behaviours.py'), 'pid', 'pid.parquet'), () => {})).toMatchObject({ type: 'done' });
    const [{ pid }] = await sql(`SELECT DISTINCT pid FROM '${out}'`);
    expect(alive(Number(pid))).toBe(true); // idle in the thread's pool between chunks
    await own.close();
    // Gone, not a zombie: the thread closed its pool (and reaped the process) before it ended.
    await until(async () => (fs.existsSync(`/proc/${pid}`) ? undefined : true), 10_000, `python process ${pid} to be gone`);
  });

  it('keeps one process for a whole chunk, and replaces it after a chunk that went over BATCH_PYTHON_MAX_RSS_MB', async () => {
    const model = path.join(dir, 'grows.py');
    fs.writeFileSync(
      model,
      'import os\nimport pandas as pd\n\n_held = []\n\n\ndef predict(df):\n    block = bytearray(80 * 1024 * 1024)\n' +
        '    for i in range(0, len(block), 4096):\n        block[i] = 1\n    _held.append(block)\n' +
        '    return pd.DataFrame({"id": df["id"], "pid": os.getpid()})\n',
    );
    // A thread of its own: a thread's pool takes the bound of the first model it starts (one worker, one setting).
    const own = new ChunkThreads(1, 256);
    const thread = own.tryAcquire()!;
    const pids = async (scratch: string) => {
      const bounded = { ...request(model, 'predict', scratch), source: { ...request(model, 'predict', scratch).source } };
      (bounded.source.init as PythonThreadInit).maxRssMb = 150;
      expect(await thread.run(bounded, () => {})).toMatchObject({ type: 'done', rowsOut: 9200 });
      return (await sql(`SELECT DISTINCT pid FROM '${path.join(dir, scratch)}'`)).map((r) => Number(r.pid));
    };
    const first = await pids('grows-1.parquet');
    expect(first).toHaveLength(1); // four batches, over the bound from the second on: still one process
    const second = await pids('grows-2.parquet');
    expect(second).toHaveLength(1);
    expect(second[0]).not.toBe(first[0]); // replaced between the chunks
    await own.close();
  });
});
