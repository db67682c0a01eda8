// What can go wrong publishing to Kafka, each error with its data as fields. The non-retryable ones are
// what a retry cannot fix (the spec or the cluster must change); an unreachable broker may come back.
import { NonRetryableError } from '../../nonRetryableError.js';

/** No broker answered: retried by the activity's policy, with the brokers named so an operator can look. */
export class KafkaUnreachableError extends Error {
  constructor(
    readonly brokers: string[],
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Kafka brokers ${brokers.join(', ')} cannot be reached: ${reason}; check BATCH_KAFKA_BROKERS (or kafka.brokers), the network and the TLS/SASL settings`,
      options,
    );
    this.name = 'KafkaUnreachableError';
  }
}

/** The topic does not exist and the spec did not ask for it to be created. */
export class KafkaTopicMissingError extends NonRetryableError {
  readonly field = 'kafka.topic';
  constructor(
    readonly topic: string,
    readonly brokers: string[],
  ) {
    super(
      `kafka.topic: topic "${topic}" does not exist on ${brokers.join(', ')} and autoCreateTable is false; create it, or set autoCreateTable: true (partitions and replicas from BATCH_KAFKA_TOPIC_PARTITIONS / BATCH_KAFKA_TOPIC_REPLICATION)`,
    );
  }
}

/** A spec named brokers the worker was not told to trust: its credentials would go to them. */
export class KafkaBrokerNotAllowedError extends NonRetryableError {
  readonly field = 'kafka.brokers';
  constructor(
    readonly broker: string,
    readonly allowed: string[],
  ) {
    super(
      `kafka.brokers: "${broker}" is not a broker this worker may publish to (allowed: ${allowed.join(', ') || 'none'}); leave kafka.brokers out to use BATCH_KAFKA_BROKERS, or add it to BATCH_KAFKA_ALLOWED_BROKERS on the workers`,
    );
  }
}

/** Neither the spec nor the worker names a broker. */
export class KafkaNoBrokersError extends NonRetryableError {
  readonly field = 'kafka.brokers';
  constructor() {
    super('kafka.brokers: no Kafka brokers to publish to; set BATCH_KAFKA_BROKERS on the workers (host:port,…)');
  }
}

/** kafka.key names a column the output does not have. */
export class KafkaKeyColumnError extends NonRetryableError {
  readonly field = 'kafka.key';
  constructor(
    readonly key: string,
    readonly columns: string[],
  ) {
    super(
      `kafka.key: the output has no column "${key}" (it has ${columns.join(', ')}); name one of them, or null for records without a key`,
    );
  }
}

/** BATCH_TENANTS_FILE grants tables, not topics: with tenants, a run may not pick a topic. */
export class KafkaTenantsError extends NonRetryableError {
  readonly field = 'outputDestination';
  constructor(readonly tenant: string) {
    super(
      `outputDestination: "kafka" is not available with BATCH_TENANTS_FILE (tenant "${tenant}"): tenants are granted tables, not topics; publish to a table or files`,
    );
  }
}

/** The broker refused the records or the transaction for a reason a retry cannot fix (authorization, record too large). */
export class KafkaRejectedError extends NonRetryableError {
  constructor(
    readonly topic: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Kafka refused the publish to topic "${topic}": ${reason}`, options);
  }
}
