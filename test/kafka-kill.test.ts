// A worker process SIGKILLed in the middle of a Kafka publish (its transaction open, thousands of records
// in the log), then replaced: read_committed consumers still see every prediction exactly once, and
// nothing before the commit. The kill point is deterministic: the first worker's publish stops after
// 10,000 records (BATCH_KAFKA_PAUSE_AFTER_RECORDS) and says so in a file; the test kills it there.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPECTED_SQL, createFeatures, seedSpec } from './support/data.js';
import { cliEnv } from './support/cli.js';
import { createHarness, type Harness } from './support/harness.js';
import { startKafkaBroker, type KafkaBroker } from './support/kafkaBroker.js';
import { createTopic, openTopicReader, readTopic } from './support/kafkaRead.js';
import { spawnCliGroup, type GroupProcess } from './support/processGroup.js';
import { until } from './support/wait.js';

describe('worker killed during a Kafka publish', () => {
  let broker: KafkaBroker;
  let h: Harness;
  const workers: GroupProcess[] = [];
  beforeAll(async () => {
    broker = await startKafkaBroker();
    h = await createHarness({ BATCH_KAFKA_BROKERS: broker.brokers });
    await createFeatures(h, 80_000);
  });
  afterAll(async () => {
    for (const w of workers) w.killGroup();
    await h?.close();
    await broker?.stop();
  });

  it('a new worker publishes exactly once; the killed attempt is aborted and never visible', async () => {
    const topic = 'killed';
    await createTopic(broker.brokers, topic, 2);
    // A downstream service reading from before the run until after it.
    const downstream = await openTopicReader(broker.brokers, topic);
    const pauseFile = path.join(h.dir, 'publish-pause');
    const env = cliEnv(h, { BATCH_KAFKA_BROKERS: broker.brokers });
    const first = spawnCliGroup(['worker'], { ...env, BATCH_KAFKA_PAUSE_AFTER_RECORDS: '10000', BATCH_KAFKA_PAUSE_FILE: pauseFile });
    workers.push(first);

    const runId = `bi-kafka-kill-${Date.now()}`;
    await h.client.startBatchInference(
      seedSpec({
        outputTableName: undefined,
        outputTableDefinition: undefined,
        outputDestination: 'kafka',
        kafka: { topic },
        parallelWorkers: 2,
      }),
      { runId },
    );
    await until(async () => (fs.existsSync(`${pauseFile}.waiting`) ? true : undefined), 180_000, 'the publish to pause');
    const inTransaction = Number(fs.readFileSync(`${pauseFile}.waiting`, 'utf8'));
    expect(inTransaction).toBeGreaterThanOrEqual(10_000);
    // The records are in the log, but not committed: read_uncommitted sees them, read_committed nothing.
    expect((await readTopic(broker.brokers, topic, { readUncommitted: true })).length).toBe(inTransaction);
    expect(downstream.records).toEqual([]);

    first.killGroup();
    await first.exited;
    expect(first.groupMembers()).toEqual([]);
    const second = spawnCliGroup(['worker'], env);
    workers.push(second);

    const summary = await h.client.waitForResult(runId);
    expect(summary).toMatchObject({ destination: 'kafka', topic, rowsOut: 40_000 });

    const seen = await downstream.end();
    const expected = new Map(
      (await h.sql<{ id: string; score: number }>(`SELECT id::VARCHAR AS id, score FROM (${EXPECTED_SQL()})`)).map((r) => [r.id, r.score]),
    );
    const ids = new Set<string>();
    for (const r of seen) {
      const value = JSON.parse(r.value) as { id: number; score: number };
      const id = String(value.id);
      expect(ids.has(id), `id ${id} read twice`).toBe(false);
      ids.add(id);
      expect(Math.abs(value.score - expected.get(id)!)).toBeLessThan(1e-9);
      expect(r.headers['batch-inference-run']).toBe(runId);
    }
    expect(ids.size).toBe(40_000);
    expect(seen).toHaveLength(40_000);
    // The killed attempt's records stay in the log, aborted: read_uncommitted sees both attempts.
    expect((await readTopic(broker.brokers, topic, { readUncommitted: true })).length).toBe(40_000 + inTransaction);
    second.killGroup();
    await second.exited;
  }, 300_000);
});
