// Reading a topic in tests the way a downstream service would, read_committed (or read_uncommitted, to
// see what sits in the log uncommitted). A read ends deterministically: it writes an end marker to every
// partition (outside any transaction) and stops once it has seen all of them, so no read waits on time.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';

export interface ReadRecord {
  partition: number;
  offset: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

export interface TopicReader {
  /** Records seen so far (end markers excluded). */
  records: ReadRecord[];
  /** Writes end markers and resolves with every record once all of them have been read; then disconnects. */
  end(timeoutMs?: number): Promise<ReadRecord[]>;
}

const END = '__test-end__';

const headerText = (h: IHeaders | undefined) =>
  Object.fromEntries(Object.entries(h ?? {}).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString() : String(v)]));

export async function openTopicReader(brokers: string, topic: string, options: { readUncommitted?: boolean } = {}): Promise<TopicReader> {
  const kafka = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const partitions = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions.map((p) => p.partitionId);
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `test-reader-${randomUUID()}`, readUncommitted: options.readUncommitted ?? false });
  const records: ReadRecord[] = [];
  const ends = new Map<string, Set<number>>();
  let onEnd: (() => void) | undefined;
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const value = message.value?.toString() ?? '';
      if (value.startsWith(END)) {
        const seen = ends.get(value) ?? new Set<number>();
        seen.add(partition);
        ends.set(value, seen);
        onEnd?.();
        return;
      }
      records.push({
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? null,
        value,
        headers: headerText(message.headers),
      });
    },
  });
  return {
    records,
    async end(timeoutMs = 90_000) {
      const marker = `${END}${randomUUID()}`;
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic, messages: partitions.map((partition) => ({ partition, value: marker })) });
      await producer.disconnect();
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`end markers of ${topic} not all read within ${timeoutMs} ms`)), timeoutMs);
          onEnd = () => {
            if ((ends.get(marker)?.size ?? 0) >= partitions.length) {
              clearTimeout(timer);
              resolve();
            }
          };
          onEnd();
        });
      } finally {
        await consumer.disconnect();
      }
      return records;
    },
  };
}

export async function readTopic(brokers: string, topic: string, options: { readUncommitted?: boolean } = {}): Promise<ReadRecord[]> {
  return (await openTopicReader(brokers, topic, options)).end();
}

export async function createTopic(brokers: string, topic: string, partitions = 1): Promise<void> {
  const admin = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  await admin.disconnect();
}

export async function topicPartitions(brokers: string, topic: string): Promise<number | undefined> {
  const admin = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return undefined;
    return (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions.length;
  } finally {
    await admin.disconnect();
  }
}
