// A Python model's process dying or being cancelled in the middle of a chunk, through the whole
// pipeline (Temporal dev server, DuckDB, local stage, the worker's pool of real python3 processes).
// The model blocks on the batch holding one chosen row until the test's gate file appears, after
// writing its pid to a file: the test acts on what it sees in that folder, never on how long anything takes.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRegistry } from '../src/models/registry.js';
import { createHarness, type Harness } from './support/harness.js';
import { alive } from './support/processGroup.js';
import { until } from './support/wait.js';

type Row = Record<string, unknown>;

const ROWS = 6000;
/** The row whose batch waits at the gate: in the middle of the table, so chunks before it have landed. */
const GATED_ID = 3210;

/** A Python model whose batch holding GATED_ID writes `computing-<pid>` in `dir` and waits for `dir/open`. */
function gatedModel(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'gated.py');
  fs.writeFileSync(
    file,
    `import os
import time

import pandas as pd

GATE = ${JSON.stringify(dir)}


def predict(df):
    if (df["id"] == ${GATED_ID}).any() and not os.path.exists(os.path.join(GATE, "open")):
        with open(os.path.join(GATE, f"computing-{os.getpid()}"), "w") as f:
            f.write(str(os.getpid()))
        while not os.path.exists(os.path.join(GATE, "open")):
            time.sleep(0.01)
    return pd.DataFrame({"id": df["id"], "score": df["x"] * 3 + 1, "pid": os.getpid()})
`,
  );
  return file;
}

/** Pids that reached the gate so far, in the order their files appeared (by name: each pid once). */
const computing = (dir: string) =>
  fs
    .readdirSync(dir)
    .filter((n) => n.startsWith('computing-'))
    .map((n) => Number(n.slice('computing-'.length)));

describe('a python model process killed or cancelled in the middle of a chunk, through the pipeline', () => {
  let h: Harness;
  let registry: ModelRegistry;
  const gates: string[] = [];

  beforeAll(async () => {
    h = await createHarness();
    registry = new ModelRegistry(h.stage);
    await h.sql('CREATE SCHEMA IF NOT EXISTS dev');
    await h.sql(`CREATE TABLE dev.kill_rows AS SELECT i::BIGINT AS id, ((i * 7919) % 1000) / 100.0 AS x FROM range(${ROWS}) t(i)`);
    await h.startWorker();
  });
  afterAll(async () => {
    // Whatever a failed assertion left waiting: open every gate so no Python process waits on.
    for (const dir of gates) fs.writeFileSync(path.join(dir, 'open'), '');
    await h?.close();
  });

  const register = async (name: string) => {
    const dir = path.join(h.dir, `gate-${name}`);
    gates.push(dir);
    await registry.register({ name, file: gatedModel(dir), python: 'python3' });
    return dir;
  };
  const start = async (model: string, outputTableName: string) => {
    const spec = {
      inputQuery: 'SELECT id, x FROM dev.kill_rows',
      model,
      outputTableName,
      // Several chunks per slice, several batches per chunk: the gated batch is in the middle of a chunk.
      batchSizeInMb: 0.01,
      batchRows: 300,
      parallelWorkers: 2,
      heartbeatTimeout: 2,
    };
    return (await h.client.startBatchInference(spec)).runId;
  };
  const waitAtGate = (dir: string, after: number[] = []) =>
    until(async () => computing(dir).find((pid) => !after.includes(pid)), 60_000, 'the gated batch to reach Python');

  it('retries the chunk on a new process when its process is SIGKILLed mid-chunk: the table is exact, no duplicates, no gaps', async () => {
    const gate = await register('killed');
    const runId = await start('killed', 'KILLED_OUT');
    const victim = await waitAtGate(gate);
    expect((await h.client.getProgress(runId)).state).toBe('running');
    process.kill(victim, 'SIGKILL');
    // Opened only after the kill: the killed batch never finished, whatever the retry does next.
    fs.writeFileSync(path.join(gate, 'open'), '');
    const summary = await h.client.waitForResult(runId);
    expect(summary.rowsOut).toBe(ROWS);

    // Every input row exactly once, with the value SQL computes for it.
    const wrong = await h.sql<Row>(`
      SELECT coalesce(i.id, o.id) AS id, i.x, o.score, o.n FROM dev.kill_rows i
      FULL JOIN (SELECT id, any_value(score) AS score, count(*) AS n FROM KILLED_OUT GROUP BY id) o ON o.id = i.id
      WHERE o.id IS NULL OR i.id IS NULL OR o.n <> 1 OR abs(o.score - (i.x * 3 + 1)) > 1e-9
      LIMIT 5`);
    expect(wrong).toEqual([]);
    expect((await h.sql<Row>('SELECT count(*) AS n FROM KILLED_OUT'))[0].n).toBe(BigInt(ROWS));
    // The gated row was scored again, by another process than the killed one.
    const [gated] = await h.sql<Row>(`SELECT pid FROM KILLED_OUT WHERE id = ${GATED_ID}`);
    expect(Number(gated.pid)).not.toBe(victim);
    expect(alive(victim)).toBe(false);

    // The run's history: the chunk's activity went round again after the process died.
    const timeline = await h.client.runTimeline(runId);
    expect(timeline.retries).toBeGreaterThanOrEqual(1);
    const retried = timeline.slices.flatMap((s) => s.chunks).filter((c) => c.attempts > 1);
    expect(retried.length).toBeGreaterThanOrEqual(1);
    expect(retried[0].retriedAfter).toMatch(
      new RegExp(`process ${victim} ended \\(signal SIGKILL\\) without answering; the chunk is retried`),
    );
  });

  it('stops the Python process when the run is cancelled while the chunk computes: the run ends cancelled, no output table', async () => {
    const gate = await register('cancelled');
    const runId = await start('cancelled', 'CANCELLED_OUT');
    const pid = await waitAtGate(gate);
    await h.client.cancelRun(runId);
    // The gate never opens: only the cancel can end the process.
    await until(async () => (alive(pid) ? undefined : true), 15_000, `python process ${pid} to be stopped by the cancel`);
    await expect(h.client.waitForResult(runId)).rejects.toThrow();
    expect(await h.client.getProgress(runId)).toMatchObject({ state: 'cancelled' });
    await expect(h.sql('SELECT * FROM CANCELLED_OUT')).rejects.toThrow(/does not exist/);
    expect(fs.existsSync(path.join(h.stage.root, 'runs', runId))).toBe(false);
    // No retry started another process at the gate after the cancel.
    expect(computing(gate)).toEqual([pid]);
  });
});
