// The Kafka destination on a real broker (Apache Kafka in KRaft mode, started for this file): a whole
// run read back read_committed, exactly once, against SQL; a publish repeated; a run that fails in the
// middle of its transaction and a cancelled run leave nothing visible; missing topics; brokers the
// worker may not or cannot reach; a job submitted over HTTP.
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as arrow from 'apache-arrow';
import { createActivities } from '../src/activities/index.js';
import { kafkaClient } from '../src/adapters/kafka/connection.js';
import { KafkaUnreachableError } from '../src/adapters/kafka/errors.js';
import { publishToKafka } from '../src/adapters/kafka/publish.js';
import { loadConfig } from '../src/config.js';
import { NonRetryableError } from '../src/nonRetryableError.js';
import { linearDemo } from '../src/predictors/linearDemo.js';
import { freePort } from '../src/temporal/devServer.js';
import { gatedPredictor } from './fixtures/gatedPredictor.js';
import { startApi, type TestApi } from './support/api.js';
import { EXPECTED_SQL, createFeatures, seedSpec } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';
import { startKafkaBroker, type KafkaBroker } from './support/kafkaBroker.js';
import { createTopic, readTopic, topicPartitions, type ReadRecord } from './support/kafkaRead.js';
import { failureOf, until } from './support/wait.js';

const BIG_ID = '9007199254740993'; // 2^53 + 1: a JavaScript number cannot hold it

const kafkaSpec = (kafka: Record<string, unknown>, overrides: Record<string, unknown> = {}) =>
  seedSpec({ outputTableName: undefined, outputTableDefinition: undefined, outputDestination: 'kafka', kafka, ...overrides });

describe('kafka destination', () => {
  let broker: KafkaBroker;
  let h: Harness;
  let closedPort: number;
  const gate = gatedPredictor();
  const expected = new Map<string, { score: number; label: boolean }>();

  beforeAll(async () => {
    broker = await startKafkaBroker();
    closedPort = await freePort();
    h = await createHarness({
      BATCH_KAFKA_BROKERS: broker.brokers,
      BATCH_KAFKA_TOPIC_PARTITIONS: '3',
      // Allowed for a spec to name, but nothing listens there: the unreachable case.
      BATCH_KAFKA_ALLOWED_BROKERS: `127.0.0.1:${closedPort}`,
    });
    await createFeatures(h, 80_000);
    await h.sql(`INSERT INTO dev.model_features VALUES (${BIG_ID}, 0.5, 0.25, '2026-02-26')`);
    for (const r of await h.sql<{ id: string; score: number; label: number }>(
      `SELECT id::VARCHAR AS id, score, label FROM (${EXPECTED_SQL()})`,
    )) {
      expected.set(r.id, { score: r.score, label: r.label === 1 });
    }
    await h.startWorker({
      predictors: {
        gated: gate.gated,
        // The last row's prediction is larger than the broker takes (message.max.bytes, 1 MiB): the
        // publish fails after most records went into the transaction.
        oversized: (input: arrow.Table) => {
          const out = linearDemo(input) as { id: arrow.Vector; score: Float64Array; label: Int32Array };
          const ids = out.id.toArray() as BigInt64Array;
          const note = Array.from(ids, (id) => (String(id) === BIG_ID ? 'x'.repeat(2_000_000) : ''));
          return { ...out, note };
        },
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await broker?.stop();
  });

  /** Every prediction once, with the values SQL computes, keyed by id, headed with the run and predictor. */
  const expectExactlyOnce = (records: ReadRecord[], runId: string) => {
    const ids = new Set<string>();
    for (const r of records) {
      const value = JSON.parse(r.value) as { id: number | string; score: number; label: boolean };
      const id = String(value.id);
      expect(ids.has(id), `id ${id} read twice`).toBe(false);
      ids.add(id);
      const want = expected.get(id);
      expect(want, `id ${id} is not in the input`).toBeDefined();
      expect(Math.abs(value.score - want!.score)).toBeLessThan(1e-9);
      expect(Boolean(value.label)).toBe(want!.label);
      expect(r.key).toBe(id);
      expect(r.headers).toMatchObject({ 'batch-inference-run': runId, 'batch-inference-predictor': 'linear-demo' });
    }
    expect(ids.size).toBe(expected.size);
  };

  it('a run creates the topic and every prediction is read exactly once, read_committed, as SQL computes it', async () => {
    const { runId } = await h.client.startBatchInference(
      kafkaSpec({ topic: 'predictions', headers: { team: 'growth' } }, { batchSizeInMb: 0.05 }),
    );
    const summary = await h.client.waitForResult(runId);
    expect(summary).toMatchObject({ destination: 'kafka', topic: 'predictions', rowsOut: expected.size });
    expect(summary.chunks).toBeGreaterThan(1);
    expect(await topicPartitions(broker.brokers, 'predictions')).toBe(3);
    const records = await readTopic(broker.brokers, 'predictions');
    expectExactlyOnce(records, runId);
    expect(records[0].headers.team).toBe('growth');
    // 64-bit integers beyond 2^53 are strings; the others are JSON numbers.
    const big = records.find((r) => r.key === BIG_ID)!;
    expect(big.value).toContain(`"id":"${BIG_ID}"`);
    expect(records.find((r) => r.key === '2')!.value).toMatch(/^\{"id":2,"score":[0-9.e-]+,"label":(true|false|[01])\}$/);

    // The same publish again (a retry after a lost answer, a replayed activity): the marker committed with
    // the records says it is done, and nothing is added.
    const activities = createActivities({
      stage: h.stage,
      warehouse: h.warehouse,
      predictors: {},
      schema: 'dev',
      defaultParallelism: 1,
      maxSplits: 10,
      kafka: h.config.kafka,
    });
    const executionId = (await h.temporal.workflow.getHandle(runId).describe()).runId;
    const again = await new MockActivityEnvironment().run(activities.publishKafka, { runId, executionId });
    expect(again).toEqual({ topic: 'predictions', records: expected.size, alreadyPublished: true });
    expect(await readTopic(broker.brokers, 'predictions')).toHaveLength(expected.size);
  });

  it('a run whose publish fails inside its transaction leaves nothing visible to read_committed', async () => {
    await createTopic(broker.brokers, 'failing', 2);
    const { runId } = await h.client.startBatchInference(kafkaSpec({ topic: 'failing' }, { predictor: 'oversized', batchSizeInMb: 0.05 }));
    const failure = await failureOf(h.client.waitForResult(runId));
    expect(failure.type).toBe('KafkaRejectedError');
    expect(failure.message).toContain('MESSAGE_TOO_LARGE');
    // The records were in the log (read_uncommitted sees them), and were aborted.
    expect((await readTopic(broker.brokers, 'failing', { readUncommitted: true })).length).toBeGreaterThan(0);
    expect(await readTopic(broker.brokers, 'failing')).toEqual([]);
  });

  it('a cancelled run leaves nothing in the topic', async () => {
    await createTopic(broker.brokers, 'cancelled', 1);
    const { runId } = await h.client.startBatchInference(kafkaSpec({ topic: 'cancelled' }, { predictor: 'gated' }));
    // Scoring, held at the gate: the cancel arrives before any publish.
    await until(async () => ((await h.client.getProgress(runId)).state === 'running' ? true : undefined));
    await h.client.cancelRun(runId);
    await until(async () => ((await h.client.getProgress(runId)).state === 'cancelled' ? true : undefined));
    expect(await readTopic(broker.brokers, 'cancelled', { readUncommitted: true })).toEqual([]);
  });

  it('a missing topic fails in preparing, before any scoring, without autoCreateTable', async () => {
    const { runId } = await h.client.startBatchInference(kafkaSpec({ topic: 'absent' }, { autoCreateTable: false, predictor: 'gated' }));
    const failure = await failureOf(h.client.waitForResult(runId));
    expect(failure.type).toBe('KafkaTopicMissingError');
    expect(failure.message).toContain('topic "absent" does not exist');
    expect(failure.message).toContain(broker.brokers);
    const progress = await h.client.getProgress(runId);
    expect(progress.chunksDone).toBe(0);
    expect(progress.totalRows).toBeNull();
    expect(await topicPartitions(broker.brokers, 'absent')).toBeUndefined();
  });

  it('a spec may name only brokers the worker allows: its credentials would go to them', async () => {
    const { runId } = await h.client.startBatchInference(kafkaSpec({ topic: 'predictions', brokers: ['attacker.example:9092'] }));
    const failure = await failureOf(h.client.waitForResult(runId));
    expect(failure.type).toBe('KafkaBrokerNotAllowedError');
    expect(failure.message).toContain('"attacker.example:9092" is not a broker this worker may publish to');
  });

  it('an unreachable broker is a retryable error naming the brokers; a run fails in preparing saying so', async () => {
    const brokers = [`127.0.0.1:${closedPort}`];
    const settings = loadConfig({ BATCH_KAFKA_CONNECT_TIMEOUT_MS: '500' }).kafka;
    const error = await publishToKafka(kafkaClient(settings, brokers), settings, {
      runId: 'r',
      executionId: 'e',
      predictor: 'p',
      topic: 'predictions',
      brokers,
      autoCreateTopic: true,
      files: 0,
      openFile: () => Promise.reject(new Error('no files')),
      progress: () => {},
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KafkaUnreachableError);
    expect(error).not.toBeInstanceOf(NonRetryableError);
    expect((error as Error).message).toContain(`Kafka brokers ${brokers[0]} cannot be reached`);

    const { runId } = await h.client.startBatchInference(kafkaSpec({ topic: 'predictions', brokers }));
    const failure = await failureOf(h.client.waitForResult(runId));
    expect(failure.message).toContain(`Kafka brokers ${brokers[0]} cannot be reached`);
  });

  describe('over HTTP', () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startApi(h, ['linear-demo']);
    });
    afterAll(() => api?.close());

    it('a seed 001 body with destination "kafka" runs to the topic', async () => {
      // One partition: every record of a send goes into one record batch, which must stay under the
      // broker's message.max.bytes with its headers.
      await createTopic(broker.brokers, 'api-predictions', 1);
      const { status, body } = await api.call('POST', '/api/v1/inference/batch', {
        body: {
          model_id: 'linear-demo',
          input: { source: 'sql', query: `SELECT id, feature_1, feature_2 FROM dev.model_features WHERE ds = '2026-02-26'` },
          output: { destination: 'kafka', topic: 'api-predictions' },
        },
      });
      expect(status).toBe(202);
      const summary = await h.client.waitForResult(body.job_id);
      expect(summary).toMatchObject({ destination: 'kafka', topic: 'api-predictions' });
      const job = await api.call('GET', `/api/v1/inference/batch/${body.job_id}`);
      expect(job.body.output).toEqual({ destination: 'kafka', topic: 'api-predictions' });
      expectExactlyOnce(await readTopic(broker.brokers, 'api-predictions'), body.job_id);

      const bad = await api.call('POST', '/api/v1/inference/batch', {
        body: {
          model_id: 'linear-demo',
          input: { source: 'sql', query: 'SELECT 1 AS id' },
          output: { destination: 'kafka', topic: '__consumer_offsets' },
        },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.problems).toEqual([expect.objectContaining({ field: 'output.topic' })]);
    });
  });
});
