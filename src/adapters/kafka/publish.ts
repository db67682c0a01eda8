// Exactly-once delivery of a run's predictions to a topic, for consumers that read with
// isolation.level=read_committed:
//  - every record of the run goes out in ONE Kafka transaction whose transactional id is derived from
//    the run (batch-inference-<runId>): consumers see all of it once it commits, and none of it before,
//    or ever if it aborts;
//  - in that same transaction the producer commits an offset for the consumer group of the same name
//    (partition 0 of the topic, offset = records, metadata = the execution id). Kafka makes that
//    offset visible exactly when the records are: it is the marker of a committed publish;
//  - a retried publish (a worker killed, a lost answer) starts a producer with the same transactional
//    id. Initialising it fences the old producer and finishes whatever transaction it left: an open one
//    is aborted, one being committed completes. Only then is the marker read: present with this
//    execution's id means the publish already committed, and nothing is sent again.
import fs from 'node:fs/promises';
import type { Kafka, Message, Transaction } from 'kafkajs';
import { kafkaStep } from './connection.js';
import { KafkaKeyColumnError } from './errors.js';
import { forEachRecordBatch, type OutputColumn } from './records.js';
import type { KafkaSettings } from './settings.js';
import { ensureTopic } from './topics.js';

/** The transactional id and the marker's consumer group: one per run, the same for every attempt. */
export const transactionalIdOf = (runId: string) => `batch-inference-${runId}`;

export const RUN_HEADER = 'batch-inference-run';
export const PREDICTOR_HEADER = 'batch-inference-predictor';

export interface KafkaOutputFile {
  /** A local parquet file (released by the caller). */
  path: string;
  columns: OutputColumn[];
}

export interface KafkaPublishRequest {
  runId: string;
  executionId: string;
  predictor: string;
  topic: string;
  brokers: string[];
  /** undefined: `id` when the output has it; null: no key. */
  key?: string | null;
  headers?: Record<string, string>;
  autoCreateTopic: boolean;
  /** The run's output files, in order; each is opened only when its turn comes. */
  files: number;
  openFile(index: number): Promise<KafkaOutputFile & { release(): Promise<void> }>;
  /** Called after every batch sent (and while the commit runs): the activity's heartbeat. */
  progress(records: number): void;
  /** Test hook (settings.pauseForTests): stop once this many records are in the open transaction. */
  pause?: { afterRecords: number; file: string };
}

export interface KafkaPublishResult {
  topic: string;
  records: number;
  /** True when an earlier attempt had committed: nothing was sent this time. */
  alreadyPublished: boolean;
}

interface Marker {
  executionId: string;
  records: number;
}

/**
 * Records per send: large enough to amortise a round trip, small enough that one partition's share stays
 * under the brokers' message.max.bytes (1 MiB by default), which bounds a whole record batch, headers included.
 */
const BATCH_RECORDS = 8192;
const BATCH_BYTES = 512 * 1024;
/** Per-record framing in a record batch (lengths, offsets, timestamps as varints), rounded up. */
const RECORD_OVERHEAD = 24;

export async function publishToKafka(kafka: Kafka, settings: KafkaSettings, request: KafkaPublishRequest): Promise<KafkaPublishResult> {
  const { topic, brokers } = request;
  const step = <T>(fn: () => Promise<T>) => kafkaStep(brokers, topic, fn);
  const transactionalId = transactionalIdOf(request.runId);
  const admin = kafka.admin();
  const producer = kafka.producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    transactionTimeout: settings.transactionTimeoutMs,
  });
  let transaction: Transaction | undefined;
  try {
    await step(() => admin.connect());
    await step(() => ensureTopic(admin, settings, { topic, brokers, autoCreate: request.autoCreateTopic }));
    await step(() => producer.connect());
    // Initialises the transactional id: fences an earlier attempt's producer and settles its transaction.
    transaction = await step(() => producer.transaction());
    const marker = await step(() => readMarker(admin, transactionalId, topic));
    if (marker?.executionId === request.executionId) {
      await transaction.abort(); // empty: nothing to undo
      return { topic, records: marker.records, alreadyPublished: true };
    }
    const records = await sendAll(transaction, request, step);
    // kafkajs sends the metadata (TxnOffsetCommit has it) but its types leave it out.
    const mark = { partition: 0, offset: String(records), metadata: JSON.stringify({ executionId: request.executionId, records }) };
    await step(() => transaction!.sendOffsets({ consumerGroupId: transactionalId, topics: [{ topic, partitions: [mark] }] }));
    request.progress(records);
    await step(() => transaction!.commit());
    transaction = undefined;
    return { topic, records, alreadyPublished: false };
  } catch (err) {
    // Abort what this attempt sent; if this producer was fenced or the broker is gone, the next
    // attempt's initialisation (or the transaction timeout) aborts it instead.
    if (transaction?.isActive()) await transaction.abort().catch(() => {});
    throw err;
  } finally {
    await producer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}

async function readMarker(admin: ReturnType<Kafka['admin']>, groupId: string, topic: string): Promise<Marker | undefined> {
  const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
  const partition = offsets.find((t) => t.topic === topic)?.partitions.find((p) => p.partition === 0);
  if (!partition || partition.offset === '-1' || !partition.metadata) return undefined;
  try {
    const parsed = JSON.parse(partition.metadata) as Partial<Marker>;
    return typeof parsed.executionId === 'string' && typeof parsed.records === 'number'
      ? { executionId: parsed.executionId, records: parsed.records }
      : undefined;
  } catch {
    return undefined; // someone else's offset: not a marker of ours
  }
}

/** Which column keys the records: the spec's, else `id` when present, else none. */
export function keyColumn(key: string | null | undefined, columns: OutputColumn[]): string | null {
  if (key === null) return null;
  if (key === undefined) return columns.some((c) => c.name === 'id') ? 'id' : null;
  if (!columns.some((c) => c.name === key))
    throw new KafkaKeyColumnError(
      key,
      columns.map((c) => c.name),
    );
  return key;
}

async function sendAll(
  transaction: Transaction,
  request: KafkaPublishRequest,
  step: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<number> {
  const headers = { ...request.headers, [RUN_HEADER]: request.runId, [PREDICTOR_HEADER]: request.predictor };
  const headerBytes = Object.entries(headers).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v) + 4, 0);
  let sent = 0;
  let pending: Message[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (!pending.length) return;
    const messages = pending;
    pending = [];
    pendingBytes = 0;
    await step(() => transaction.send({ topic: request.topic, messages, acks: -1 }));
    const before = sent;
    sent += messages.length;
    request.progress(sent);
    await pauseForTests(request, before, sent);
  };
  for (let i = 0; i < request.files; i++) {
    const file = await request.openFile(i);
    try {
      const key = keyColumn(request.key, file.columns);
      await forEachRecordBatch(file.path, file.columns, key, async ({ values, keys }) => {
        for (let r = 0; r < values.length; r++) {
          pending.push({ key: keys[r], value: values[r], headers });
          pendingBytes +=
            Buffer.byteLength(values[r]) + (keys[r] === null ? 0 : Buffer.byteLength(keys[r]!)) + headerBytes + RECORD_OVERHEAD;
          if (pending.length >= BATCH_RECORDS || pendingBytes >= BATCH_BYTES) await flush();
        }
      });
    } finally {
      await file.release();
    }
  }
  await flush();
  return sent;
}

/**
 * Test hook (BATCH_KAFKA_PAUSE_AFTER_RECORDS + BATCH_KAFKA_PAUSE_FILE): once this many records are in
 * the open transaction, write `<file>.waiting` and wait until `<file>` exists. Lets a test kill the
 * worker at a known point of the publish instead of hoping to hit one.
 */
async function pauseForTests(request: KafkaPublishRequest, sentBefore: number, sent: number): Promise<void> {
  const pause = request.pause;
  if (!pause || sentBefore >= pause.afterRecords || sent < pause.afterRecords) return;
  await fs.writeFile(`${pause.file}.waiting`, String(sent));
  for (;;) {
    try {
      await fs.access(pause.file);
      return;
    } catch {
      request.progress(sent);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
