// A kafkajs client for the configured (or a spec's allowed) brokers, with TLS and SASL from the worker's
// settings, and the translation of kafkajs errors into ours: unreachable (retried) or refused (not).
import fs from 'node:fs';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { KafkaBrokerNotAllowedError, KafkaNoBrokersError, KafkaRejectedError, KafkaUnreachableError } from './errors.js';
import type { KafkaSettings } from './settings.js';

/**
 * The brokers a run publishes to: the spec's when it names some (each must be allowed: the worker's
 * credentials go to whichever broker it connects to), else BATCH_KAFKA_BROKERS.
 */
export function brokersFor(settings: KafkaSettings, specBrokers: string[] | undefined): string[] {
  if (!specBrokers?.length) {
    if (!settings.brokers.length) throw new KafkaNoBrokersError();
    return settings.brokers;
  }
  for (const broker of specBrokers) {
    if (!settings.allowedBrokers.includes(broker.toLowerCase())) throw new KafkaBrokerNotAllowedError(broker, settings.allowedBrokers);
  }
  return specBrokers;
}

export function kafkaClient(settings: KafkaSettings, brokers: string[]): Kafka {
  const ssl = settings.ssl;
  const config: KafkaConfig = {
    clientId: settings.clientId,
    brokers,
    connectionTimeout: settings.connectTimeoutMs,
    // A few quick tries per call: the activity's own retry policy (with backoff) covers longer outages.
    retry: { retries: 4, initialRetryTime: 300, maxRetryTime: 3000 },
    // kafkajs logs every retriable protocol answer (a coordinator still loading) as an ERROR; the errors
    // that matter reach the activity and the run's state.
    logLevel: logLevel.NOTHING,
    ...(ssl
      ? {
          ssl: {
            rejectUnauthorized: ssl.rejectUnauthorized,
            ...(ssl.caFile ? { ca: [fs.readFileSync(ssl.caFile, 'utf8')] } : {}),
            ...(ssl.certFile ? { cert: fs.readFileSync(ssl.certFile, 'utf8') } : {}),
            ...(ssl.keyFile ? { key: fs.readFileSync(ssl.keyFile, 'utf8') } : {}),
          },
        }
      : {}),
    ...(settings.sasl ? { sasl: settings.sasl as KafkaConfig['sasl'] } : {}),
  };
  return new Kafka(config);
}

/** Protocol answers that say the request itself is not acceptable: retrying the same publish cannot help. */
const REFUSALS = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_TRANSACTION_TIMEOUT',
  'INVALID_REPLICATION_FACTOR',
  'INVALID_PARTITIONS',
  'POLICY_VIOLATION',
  'INVALID_TOPIC_EXCEPTION',
  'SASL_AUTHENTICATION_FAILED',
  'UNSUPPORTED_SASL_MECHANISM',
]);

const CONNECTION_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSRequestTimeoutError',
  'KafkaJSLockTimeout',
]);

/** kafkajs wraps the last error of its retries; the innermost one says what happened. */
function innermost(err: unknown): Error & { type?: string; code?: string } {
  let current = err as Error & { originalError?: unknown; cause?: unknown };
  for (let i = 0; i < 10 && current; i++) {
    const next = current.originalError ?? (current.name === 'KafkaJSNumberOfRetriesExceeded' ? current.cause : undefined);
    if (!next || !(next instanceof Error)) break;
    current = next as typeof current;
  }
  return current;
}

/** Runs a Kafka step and turns its errors into ours. Anything unknown is left retryable. */
export async function kafkaStep<T>(brokers: string[], topic: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const inner = innermost(err);
    if (inner.name === 'KafkaJSSASLAuthenticationError') throw new KafkaRejectedError(topic, inner.message, { cause: err });
    if (inner.type && REFUSALS.has(inner.type)) throw new KafkaRejectedError(topic, `${inner.type}: ${inner.message}`, { cause: err });
    if (CONNECTION_ERRORS.has(inner.name) || inner.code === 'ECONNREFUSED' || inner.code === 'ENOTFOUND' || inner.code === 'ETIMEDOUT') {
      throw new KafkaUnreachableError(brokers, inner.message, { cause: err });
    }
    throw err;
  }
}
