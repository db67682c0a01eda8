// The Kafka destination's activities: check the topic in preparing, publish exactly once, and after a
// failed run abort whatever transaction a killed attempt left open. The Kafka work is in adapters/kafka.
import { Context } from '@temporalio/activity';
import { brokersFor, kafkaClient } from '../adapters/kafka/connection.js';
import { KafkaTenantsError } from '../adapters/kafka/errors.js';
import { publishToKafka, transactionalIdOf, type KafkaPublishResult } from '../adapters/kafka/publish.js';
import { defaultKafkaSettings } from '../adapters/kafka/settings.js';
import { abortOpenTransaction, prepareTopic } from '../adapters/kafka/topics.js';
import { parquetColumns } from '../adapters/localEngine/parquetSchema.js';
import { chunkOfOutputKey } from '../adapters/stage/resultFiles.js';
import { outputPrefix } from '../adapters/stage/stage.js';
import type { ResolvedSpec } from '../spec/types.js';
import type { RunRef } from '../workflows/run/contract.js';
import type { ActivityContext } from './deps.js';
import { atActivityEdge } from './failures.js';
import { withKeepAlive } from './keepAlive.js';

export type { KafkaPublishResult } from '../adapters/kafka/publish.js';

function target(ctx: ActivityContext, spec: ResolvedSpec, tenant: string | undefined) {
  if (!spec.kafka) throw new Error('the run does not publish to Kafka');
  // Tenants are granted tables; until they are granted topics, a tenant may not pick one.
  if (ctx.tenants) throw new KafkaTenantsError(tenant ?? 'default');
  const settings = ctx.kafka ?? defaultKafkaSettings();
  const brokers = brokersFor(settings, spec.kafka.brokers);
  return { settings, brokers, kafka: kafkaClient(settings, brokers), out: spec.kafka };
}

/** Preparing: the brokers answer and the topic exists, or is created with autoCreateTable. */
export async function checkKafkaTarget(ctx: ActivityContext, spec: ResolvedSpec, tenant: string | undefined): Promise<void> {
  if (spec.outputDestination !== 'kafka') return;
  const { settings, brokers, kafka, out } = target(ctx, spec, tenant);
  await prepareTopic(kafka, settings, { topic: out.topic, brokers, autoCreate: spec.autoCreateTable });
}

export interface PublishKafkaInput extends RunRef {
  tenant?: string;
}

export function makePublishKafka(ctx: ActivityContext) {
  return async function publishKafka({ runId, executionId, tenant }: PublishKafkaInput): Promise<KafkaPublishResult> {
    return atActivityEdge(async () => {
      const activity = Context.current();
      const { spec } = await ctx.manifests.get({ runId, executionId });
      const { settings, brokers, kafka, out } = target(ctx, spec, tenant);
      // Chunk order, so that records keep the order of the run's chunks on each partition.
      const files = (await ctx.stage.list(outputPrefix(runId)))
        .flatMap((o) => {
          const at = chunkOfOutputKey(o.key);
          return at ? [{ key: o.key, ...at }] : [];
        })
        .sort((a, b) => a.worker - b.worker || a.chunk - b.chunk);
      let records = 0;
      return withKeepAlive(
        () => activity.heartbeat({ phase: 'kafka', records }),
        () =>
          publishToKafka(kafka, settings, {
            runId,
            executionId,
            predictor: spec.predictor,
            topic: out.topic,
            brokers,
            key: out.key,
            headers: out.headers,
            autoCreateTopic: spec.autoCreateTable,
            files: files.length,
            openFile: async (i) => {
              const copy = await ctx.stage.localCopy(files[i].key);
              return { path: copy.path, columns: await parquetColumns(copy.path), release: () => copy.release() };
            },
            progress: (n) => {
              records = n;
              activity.heartbeat({ phase: 'kafka', records });
            },
            ...(settings.pauseForTests ? { pause: settings.pauseForTests } : {}),
          }),
      );
    });
  };
}

export interface AbortKafkaInput extends RunRef {
  tenant?: string;
}

/** After a failed run: no transaction of it stays open (see abortOpenTransaction). */
export function makeAbortKafka(ctx: ActivityContext) {
  return async function abortKafka({ runId, executionId, tenant }: AbortKafkaInput): Promise<void> {
    return atActivityEdge(async () => {
      const { spec } = await ctx.manifests.get({ runId, executionId });
      const { kafka, brokers, out } = target(ctx, spec, tenant);
      await abortOpenTransaction(kafka, transactionalIdOf(runId), brokers, out.topic);
    });
  };
}
