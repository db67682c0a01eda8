// The Kafka destination's settings, validated where the backend lives; config.ts merges this schema into
// the one environment read. Credentials stay in the worker's environment: a spec never carries them.
import { z } from 'zod';

const BROKER_LIST = /^\s*[^\s,]+:\d{1,5}(\s*,\s*[^\s,]+:\d{1,5})*\s*$/;
const BROKER_LIST_HELP = 'use host:port pairs separated by commas, e.g. kafka-1:9092,kafka-2:9092';

export const kafkaEnv = {
  BATCH_KAFKA_BROKERS: z.string().regex(BROKER_LIST, BROKER_LIST_HELP).optional(),
  /** Brokers a spec's kafka.brokers may name besides BATCH_KAFKA_BROKERS. */
  BATCH_KAFKA_ALLOWED_BROKERS: z.string().regex(BROKER_LIST, BROKER_LIST_HELP).optional(),
  BATCH_KAFKA_CLIENT_ID: z.string().min(1).default('batch-inference'),
  BATCH_KAFKA_SSL: z.enum(['true', 'false'], { message: 'use true or false' }).optional(),
  BATCH_KAFKA_SSL_CA_FILE: z.string().min(1).optional(),
  BATCH_KAFKA_SSL_CERT_FILE: z.string().min(1).optional(),
  BATCH_KAFKA_SSL_KEY_FILE: z.string().min(1).optional(),
  BATCH_KAFKA_SSL_REJECT_UNAUTHORIZED: z.enum(['true', 'false'], { message: 'use true or false' }).default('true'),
  BATCH_KAFKA_SASL_MECHANISM: z
    .enum(['plain', 'scram-sha-256', 'scram-sha-512'], { message: 'use plain, scram-sha-256 or scram-sha-512' })
    .optional(),
  BATCH_KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  BATCH_KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  /** Partitions and replicas of a topic that a run creates (autoCreateTable); unset: the broker's defaults. */
  BATCH_KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(10_000).optional(),
  BATCH_KAFKA_TOPIC_REPLICATION: z.coerce.number().int().min(1).max(100).optional(),
  /** The publish transaction's timeout; at most the brokers' transaction.max.timeout.ms (15 min by default). */
  BATCH_KAFKA_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(1000).max(86_400_000).default(900_000),
  BATCH_KAFKA_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(5000),
  /** Tests only: a publish stops once this many records are in its open transaction, until BATCH_KAFKA_PAUSE_FILE exists. */
  BATCH_KAFKA_PAUSE_AFTER_RECORDS: z.coerce.number().int().min(1).optional(),
  BATCH_KAFKA_PAUSE_FILE: z.string().min(1).optional(),
};

type KafkaEnv = z.infer<z.ZodObject<typeof kafkaEnv>>;

export interface KafkaSettings {
  /** BATCH_KAFKA_BROKERS; empty when unset (a spec must then name its brokers, and they must be allowed). */
  brokers: string[];
  /** Every broker a spec may name: BATCH_KAFKA_BROKERS plus BATCH_KAFKA_ALLOWED_BROKERS, lower-cased. */
  allowedBrokers: string[];
  clientId: string;
  /** Paths of PEM files, read when a connection is made (so a CLI that never publishes does not need them). */
  ssl?: { caFile?: string; certFile?: string; keyFile?: string; rejectUnauthorized: boolean };
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  topicPartitions?: number;
  topicReplication?: number;
  transactionTimeoutMs: number;
  connectTimeoutMs: number;
  /** Tests only: where a publish waits (see publish.ts). */
  pauseForTests?: { afterRecords: number; file: string };
}

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** What is contradictory in the Kafka variables, as [variable, fix] pairs. */
export function kafkaProblems(c: KafkaEnv): [string, string][] {
  const problems: [string, string][] = [];
  if (c.BATCH_KAFKA_SASL_MECHANISM && !(c.BATCH_KAFKA_SASL_USERNAME && c.BATCH_KAFKA_SASL_PASSWORD)) {
    problems.push([
      'BATCH_KAFKA_SASL_USERNAME / BATCH_KAFKA_SASL_PASSWORD',
      `set both with BATCH_KAFKA_SASL_MECHANISM=${c.BATCH_KAFKA_SASL_MECHANISM}`,
    ]);
  }
  if (!c.BATCH_KAFKA_SASL_MECHANISM && (c.BATCH_KAFKA_SASL_USERNAME || c.BATCH_KAFKA_SASL_PASSWORD)) {
    problems.push(['BATCH_KAFKA_SASL_MECHANISM', 'set it (plain, scram-sha-256 or scram-sha-512) to use the SASL username and password']);
  }
  if (Boolean(c.BATCH_KAFKA_SSL_CERT_FILE) !== Boolean(c.BATCH_KAFKA_SSL_KEY_FILE)) {
    problems.push(['BATCH_KAFKA_SSL_CERT_FILE / BATCH_KAFKA_SSL_KEY_FILE', 'set both for a client certificate, or neither']);
  }
  if (c.BATCH_KAFKA_SSL === 'false' && (c.BATCH_KAFKA_SSL_CA_FILE || c.BATCH_KAFKA_SSL_CERT_FILE)) {
    problems.push(['BATCH_KAFKA_SSL', 'is false but TLS files are set; set it to true or remove the files']);
  }
  return problems;
}

export function kafkaSettings(c: KafkaEnv): KafkaSettings {
  const brokers = list(c.BATCH_KAFKA_BROKERS);
  const tlsFiles = c.BATCH_KAFKA_SSL_CA_FILE || c.BATCH_KAFKA_SSL_CERT_FILE;
  const useSsl = c.BATCH_KAFKA_SSL ? c.BATCH_KAFKA_SSL === 'true' : Boolean(tlsFiles);
  return {
    brokers,
    allowedBrokers: [...new Set([...brokers, ...list(c.BATCH_KAFKA_ALLOWED_BROKERS)].map((b) => b.toLowerCase()))],
    clientId: c.BATCH_KAFKA_CLIENT_ID,
    ...(useSsl
      ? {
          ssl: {
            ...(c.BATCH_KAFKA_SSL_CA_FILE ? { caFile: c.BATCH_KAFKA_SSL_CA_FILE } : {}),
            ...(c.BATCH_KAFKA_SSL_CERT_FILE ? { certFile: c.BATCH_KAFKA_SSL_CERT_FILE } : {}),
            ...(c.BATCH_KAFKA_SSL_KEY_FILE ? { keyFile: c.BATCH_KAFKA_SSL_KEY_FILE } : {}),
            rejectUnauthorized: c.BATCH_KAFKA_SSL_REJECT_UNAUTHORIZED === 'true',
          },
        }
      : {}),
    ...(c.BATCH_KAFKA_SASL_MECHANISM && c.BATCH_KAFKA_SASL_USERNAME && c.BATCH_KAFKA_SASL_PASSWORD
      ? { sasl: { mechanism: c.BATCH_KAFKA_SASL_MECHANISM, username: c.BATCH_KAFKA_SASL_USERNAME, password: c.BATCH_KAFKA_SASL_PASSWORD } }
      : {}),
    ...(c.BATCH_KAFKA_TOPIC_PARTITIONS ? { topicPartitions: c.BATCH_KAFKA_TOPIC_PARTITIONS } : {}),
    ...(c.BATCH_KAFKA_TOPIC_REPLICATION ? { topicReplication: c.BATCH_KAFKA_TOPIC_REPLICATION } : {}),
    transactionTimeoutMs: c.BATCH_KAFKA_TRANSACTION_TIMEOUT_MS,
    connectTimeoutMs: c.BATCH_KAFKA_CONNECT_TIMEOUT_MS,
    ...(c.BATCH_KAFKA_PAUSE_AFTER_RECORDS && c.BATCH_KAFKA_PAUSE_FILE
      ? { pauseForTests: { afterRecords: c.BATCH_KAFKA_PAUSE_AFTER_RECORDS, file: c.BATCH_KAFKA_PAUSE_FILE } }
      : {}),
  };
}

/** No BATCH_KAFKA_* set: what a worker built without them (tests' own deps) has. */
export function defaultKafkaSettings(): KafkaSettings {
  return kafkaSettings(z.object(kafkaEnv).parse({}));
}
