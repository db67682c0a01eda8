// A real Apache Kafka broker for the Kafka tests: KRaft mode, one process that is broker and
// controller, on random loopback ports with its own log folder. Its jars come from Maven Central
// (scripts/kafka-jars.sh, through tools/kafka/pom.xml). Started only by the test files that need it:
// a JVM on two busy cores takes seconds to come up, and most test files never talk to Kafka.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { freePort } from '../../src/temporal/devServer.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface KafkaBroker {
  /** host:port for clients (BATCH_KAFKA_BROKERS). */
  brokers: string;
  dir: string;
  /** Kills the JVM's process group and removes the log folder. */
  stop(): Promise<void>;
}

/** The folder of the broker's jars, fetched on first use (a few seconds from Maven Central). */
export function kafkaJars(): string {
  return execFileSync('bash', [path.join(ROOT, 'scripts/kafka-jars.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

/**
 * A KRaft cluster id: 16 random bytes, base64url without padding (what `kafka-storage random-uuid` prints).
 * Like Kafka's own Uuid, never one that starts with "-": the storage tool would read it as an option.
 */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function serverProperties(dir: string, port: number, controllerPort: number): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${path.join(dir, 'logs')}`,
    // One broker: the internal topics (transactions, consumer offsets) can have one replica only,
    // and transactions need their state log to reach its min ISR.
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=4',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=4',
    'group.initial.rebalance.delay.ms=0',
    // Topics are created by the pipeline (autoCreateTable) or by the test, never by a stray produce.
    'auto.create.topics.enable=false',
    'num.partitions=1',
  ].join('\n');
}

export async function startKafkaBroker(options: { startTimeoutMs?: number } = {}): Promise<KafkaBroker> {
  const jars = kafkaJars();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-kafka-'));
  const port = await freePort();
  const controllerPort = await freePort();
  const props = path.join(dir, 'server.properties');
  fs.writeFileSync(props, serverProperties(dir, port, controllerPort));
  const classpath = `${jars}/*`;
  const jvm = ['-Xms128m', '-Xmx512m', `-Dlog4j2.configurationFile=${writeLogConfig(dir)}`];
  try {
    execFileSync('java', [...jvm, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', props], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  // Its own process group: stop() kills the JVM and anything it started, whatever state it is in.
  const child = spawn('java', [...jvm, '-cp', classpath, 'kafka.Kafka', props], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-8000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone already
    }
  };
  process.once('exit', killGroup);
  const brokers = `127.0.0.1:${port}`;
  const stop = async () => {
    killGroup();
    await exited;
    process.off('exit', killGroup);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilServing(brokers, port, () => child.exitCode !== null, options.startTimeoutMs ?? 120_000);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${output}`);
  }
  return { brokers, dir, stop };
}

/** Gated on the broker answering a metadata request, not on time: the JVM's start varies a lot here. */
async function waitUntilServing(brokers: string, port: number, died: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await listening(port))) {
    if (died()) throw new Error('the Kafka broker exited during start-up');
    if (Date.now() > deadline) throw new Error(`the Kafka broker did not listen on ${brokers} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const admin = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  try {
    for (;;) {
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        if (cluster.controller !== null && cluster.brokers.length > 0) return;
      } catch {
        // still starting
      }
      if (died()) throw new Error('the Kafka broker exited during start-up');
      if (Date.now() > deadline)
        throw new Error(`the Kafka broker on ${brokers} did not answer metadata requests within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Warnings and errors only, to stdout (kept in memory for a failed start's message). */
function writeLogConfig(dir: string): string {
  const file = path.join(dir, 'log4j2.properties');
  fs.writeFileSync(
    file,
    [
      'rootLogger.level=WARN',
      'rootLogger.appenderRef.stdout.ref=STDOUT',
      'appender.stdout.type=Console',
      'appender.stdout.name=STDOUT',
      'appender.stdout.layout.type=PatternLayout',
      'appender.stdout.layout.pattern=[%d] %p %m (%c)%n',
    ].join('\n'),
  );
  return file;
}
