// The `kafka` block of a job spec (outputDestination "kafka"): which topic the predictions go to,
// on which brokers, keyed by which column, in which format, with which extra headers.
import { z } from 'zod';

/** Kafka's own rule for topic names, less the internal topics (__consumer_offsets, __transaction_state). */
export const TOPIC = /^(?!__)(?!\.{1,2}$)[A-Za-z0-9._-]{1,249}$/;
export const TOPIC_HELP = 'use letters, digits, ".", "_" and "-" (at most 249; not "." or "..", not starting with "__")';

/** host:port, as Kafka clients take bootstrap servers. */
export const BROKER = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}[A-Za-z0-9])?):\d{1,5}$/;
export const BROKER_HELP = 'use host:port, e.g. "kafka-1.internal:9092"';

/** Headers the pipeline sets on every record; a spec cannot override or imitate them. */
export const RESERVED_HEADER_PREFIX = 'batch-inference-';
const HEADER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const KAFKA_FORMATS = ['json'] as const;
export type KafkaFormat = (typeof KAFKA_FORMATS)[number];

/** Names are checked here, not in the record's key schema: zod reports a bad key only as "Invalid key in record". */
function checkHeaderNames(headers: Record<string, string>, ctx: z.RefinementCtx): void {
  const names = Object.keys(headers);
  if (names.length > 32) ctx.addIssue({ code: 'custom', message: `use at most 32 headers (got ${names.length})` });
  for (const name of names) {
    if (!HEADER_NAME.test(name)) {
      ctx.addIssue({ code: 'custom', path: [name], message: 'use a header name of letters, digits, ".", "_" and "-" (at most 128)' });
    } else if (name.toLowerCase().startsWith(RESERVED_HEADER_PREFIX)) {
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: `names starting with "${RESERVED_HEADER_PREFIX}" are the pipeline's own; choose another`,
      });
    }
  }
}

export const kafkaBlockSchema = z
  .object({
    topic: z.string().regex(TOPIC, TOPIC_HELP),
    /** Bootstrap servers; default BATCH_KAFKA_BROKERS. Each must be allowed by the worker (checked in preparing). */
    brokers: z.array(z.string().regex(BROKER, BROKER_HELP)).min(1, 'list at least one broker, or leave the field out').max(20).optional(),
    /** The output column whose value keys each record; null: no key. Default: `id` when the output has it. */
    key: z.string().min(1, 'name an output column, or null for no key').max(255).nullable().optional(),
    format: z.enum(KAFKA_FORMATS, { error: 'use "json" (one JSON object per prediction)' }).default('json'),
    /** Constant headers added to every record. */
    headers: z
      .record(
        z.string(),
        // Printable text only: a header value is shown by consoles and logged by consumers.
        z
          .string()
          .max(1024, 'use at most 1024 characters')
          .regex(/^[^\p{Cc}]*$/u, 'remove control characters (newlines, tabs)'),
      )
      .superRefine(checkHeaderNames)
      .optional(),
  })
  .strict();

export type KafkaBlock = z.output<typeof kafkaBlockSchema>;

/** The resolved block a run carries (in its manifest and history). Never credentials. */
export interface KafkaOutput {
  topic: string;
  /** Only when the spec named them; otherwise the worker's BATCH_KAFKA_BROKERS. */
  brokers?: string[];
  /** undefined: `id` when the output has it; null: no key. */
  key?: string | null;
  format: KafkaFormat;
  headers?: Record<string, string>;
}

export function resolveKafka(block: KafkaBlock): KafkaOutput {
  return {
    topic: block.topic,
    ...(block.brokers ? { brokers: block.brokers } : {}),
    ...(block.key !== undefined ? { key: block.key } : {}),
    format: block.format,
    ...(block.headers && Object.keys(block.headers).length ? { headers: block.headers } : {}),
  };
}
