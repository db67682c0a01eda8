// The destination topic: present, or created when the spec allows it (autoCreateTable), with the
// partitions and replicas the worker is configured with (else the brokers' defaults).
import type { Admin, Kafka } from 'kafkajs';
import { kafkaStep } from './connection.js';
import { KafkaTopicMissingError } from './errors.js';
import type { KafkaSettings } from './settings.js';

export interface TopicCheck {
  topic: string;
  brokers: string[];
  autoCreate: boolean;
}

/** Whether the topic exists afterwards because it was created now. */
export async function ensureTopic(admin: Admin, settings: KafkaSettings, { topic, brokers, autoCreate }: TopicCheck): Promise<boolean> {
  if ((await admin.listTopics()).includes(topic)) return false;
  if (!autoCreate) throw new KafkaTopicMissingError(topic, brokers);
  // -1: the brokers' num.partitions / default.replication.factor.
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: settings.topicPartitions ?? -1, replicationFactor: settings.topicReplication ?? -1 }],
  });
  return true;
}

/** In preparing, before any scoring: the brokers answer and the topic exists (or is created now). */
export async function prepareTopic(kafka: Kafka, settings: KafkaSettings, check: TopicCheck): Promise<void> {
  const admin = kafka.admin();
  try {
    await kafkaStep(check.brokers, check.topic, async () => {
      await admin.connect();
      await ensureTopic(admin, settings, check);
    });
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * After a run failed: fences whichever producer of the run may still hold an open transaction (a worker
 * killed mid-publish on its last attempt) and aborts that transaction now, instead of at the brokers'
 * transaction timeout, during which read_committed consumers of those partitions would be held back.
 */
export async function abortOpenTransaction(kafka: Kafka, transactionalId: string, brokers: string[], topic: string): Promise<void> {
  const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
  try {
    await kafkaStep(brokers, topic, async () => {
      await producer.connect();
      const transaction = await producer.transaction(); // initialising the id aborts the open transaction
      await transaction.abort(); // this one is empty
    });
  } finally {
    await producer.disconnect().catch(() => {});
  }
}
