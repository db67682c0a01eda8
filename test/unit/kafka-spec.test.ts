// The kafka block of a job spec and the Kafka settings: what is refused, and with which words.
import { describe, expect, it } from 'vitest';
import { brokersFor } from '../../src/adapters/kafka/connection.js';
import { KafkaBrokerNotAllowedError, KafkaNoBrokersError } from '../../src/adapters/kafka/errors.js';
import { keyColumn } from '../../src/adapters/kafka/publish.js';
import { recordsQuery } from '../../src/adapters/kafka/records.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { resolveSpec } from '../../src/spec/jobSpec.js';
import { SpecError } from '../../src/spec/errors.js';

const options = { schema: 'dev', defaultParallelism: 2, maxSplits: 10, readSqlFile: () => '' };
const spec = (fields: Record<string, unknown>) => ({
  inputQuery: 'SELECT 1 AS id',
  predictor: 'linear-demo',
  outputDestination: 'kafka',
  ...fields,
});
const problems = (fields: Record<string, unknown>) => {
  try {
    resolveSpec(spec(fields), options);
  } catch (err) {
    if (err instanceof SpecError) return err.problems;
    throw err;
  }
  return [];
};

describe('kafka spec', () => {
  it('resolves a topic with defaults: json, no save mode to speak of, brokers from the worker', () => {
    const resolved = resolveSpec(spec({ kafka: { topic: 'scores.v1' } }), options);
    expect(resolved).toMatchObject({ outputDestination: 'kafka', kafka: { topic: 'scores.v1', format: 'json' }, saveMode: 'append' });
    expect(resolved.kafka).not.toHaveProperty('brokers');
    expect(resolved).not.toHaveProperty('outputTableName');
  });

  it.each([
    [{}, 'kafka', /required when outputDestination is "kafka"/],
    [{ kafka: { topic: '__consumer_offsets' } }, 'kafka.topic', /not starting with "__"/],
    [{ kafka: { topic: '..' } }, 'kafka.topic', /not "\." or "\.\."/],
    [{ kafka: { topic: 'a/b' } }, 'kafka.topic', /use letters, digits/],
    [{ kafka: { topic: 't', brokers: ['no-port'] } }, 'kafka.brokers.0', /host:port/],
    [{ kafka: { topic: 't', format: 'avro' } }, 'kafka.format', /use "json"/],
    [{ kafka: { topic: 't', headers: { 'batch-inference-run': 'forged' } } }, 'kafka.headers.batch-inference-run', /the pipeline's own/],
    [{ kafka: { topic: 't', headers: { team: 'a\nb' } } }, 'kafka.headers.team', /control characters/],
    [{ kafka: { topic: 't', partitions: 3 } }, 'kafka.partitions', /unknown field/],
    [{ kafka: { topic: 't' }, saveMode: 'overwrite' }, 'saveMode', /does not apply to a Kafka topic/],
    [{ kafka: { topic: 't' }, overwrite: false }, 'overwrite', /does not apply to a Kafka topic/],
    [{ kafka: { topic: 't' }, outputTableName: 'T' }, 'outputTableName', /not for outputDestination "kafka"/],
  ])('refuses %j at %s', (fields, field, message) => {
    const found = problems(fields).find((p) => p.field === field);
    expect(found?.message, JSON.stringify(problems(fields))).toMatch(message);
  });

  it('refuses a kafka block for another destination', () => {
    expect(problems({ outputDestination: 'table', outputTableName: 'T', kafka: { topic: 't' } })).toEqual([
      { field: 'kafka', message: expect.stringMatching(/only for outputDestination "kafka"/) },
    ]);
  });
});

describe('kafka settings and records', () => {
  it('lets a spec name only allowed brokers', () => {
    const settings = loadConfig({ BATCH_KAFKA_BROKERS: 'k1:9092, k2:9092', BATCH_KAFKA_ALLOWED_BROKERS: 'other:9093' }).kafka;
    expect(brokersFor(settings, undefined)).toEqual(['k1:9092', 'k2:9092']);
    expect(brokersFor(settings, ['OTHER:9093'])).toEqual(['OTHER:9093']);
    expect(() => brokersFor(settings, ['k1:9092', 'evil:9092'])).toThrow(KafkaBrokerNotAllowedError);
    expect(() => brokersFor(loadConfig({}).kafka, undefined)).toThrow(KafkaNoBrokersError);
  });

  it('refuses half-set SASL and TLS variables', () => {
    expect(() => loadConfig({ BATCH_KAFKA_SASL_MECHANISM: 'scram-sha-512', BATCH_KAFKA_SASL_USERNAME: 'u' })).toThrow(ConfigError);
    expect(() => loadConfig({ BATCH_KAFKA_SASL_PASSWORD: 'p' })).toThrow(/BATCH_KAFKA_SASL_MECHANISM/);
    expect(() => loadConfig({ BATCH_KAFKA_SSL_CERT_FILE: '/c.pem' })).toThrow(/BATCH_KAFKA_SSL_CERT_FILE/);
    const sasl = loadConfig({
      BATCH_KAFKA_SASL_MECHANISM: 'scram-sha-256',
      BATCH_KAFKA_SASL_USERNAME: 'u',
      BATCH_KAFKA_SASL_PASSWORD: 'p',
      BATCH_KAFKA_SSL: 'true',
    }).kafka;
    expect(sasl).toMatchObject({ sasl: { mechanism: 'scram-sha-256', username: 'u' }, ssl: { rejectUnauthorized: true } });
  });

  it('keys by id by default, by the named column, or not at all', () => {
    const columns = [
      { name: 'id', type: 'BIGINT' },
      { name: 'score', type: 'DOUBLE' },
    ];
    expect(keyColumn(undefined, columns)).toBe('id');
    expect(keyColumn(undefined, [columns[1]])).toBeNull();
    expect(keyColumn(null, columns)).toBeNull();
    expect(keyColumn('score', columns)).toBe('score');
    expect(() => keyColumn('customer', columns)).toThrow(/the output has no column "customer" \(it has id, score\)/);
  });

  it('quotes column names and file paths in the records query', () => {
    const sql = recordsQuery("/tmp/it's.parquet", [{ name: 'a"b', type: 'BIGINT' }], 'a"b');
    expect(sql).toContain(`read_parquet('/tmp/it''s.parquet')`);
    expect(sql).toContain(`'a"b', CASE WHEN "a""b" BETWEEN`);
    expect(sql).toContain(`CAST("a""b" AS VARCHAR) AS key`);
  });
});

describe('kafka and tenants', () => {
  it('refuses a kafka destination when tenants are configured, before connecting anywhere', async () => {
    const { checkKafkaTarget } = await import('../../src/activities/publishKafka.js');
    const { KafkaTenantsError } = await import('../../src/adapters/kafka/errors.js');
    const resolved = resolveSpec(spec({ kafka: { topic: 't' } }), options);
    const ctx = {
      tenants: { acme: { duckdb: 'a.duckdb', write: ['acme.*'] } },
      kafka: loadConfig({ BATCH_KAFKA_BROKERS: '127.0.0.1:1' }).kafka,
    };
    await expect(checkKafkaTarget(ctx as never, resolved, 'acme')).rejects.toThrow(KafkaTenantsError);
    await expect(checkKafkaTarget(ctx as never, resolved, 'acme')).rejects.toThrow(/tenants are granted tables, not topics/);
  });
});
