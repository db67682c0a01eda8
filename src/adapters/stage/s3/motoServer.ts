// A local S3-compatible server: moto's server (`pip install 'moto[server]'`, scripts/ensure-tools.sh), on
// loopback. The tests' S3 stage and `bench --stage s3` (several worker processes sharing one S3 stage).
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { loadConfig } from '../../../config.js';
import { freePort } from '../../../temporal/devServer.js';
import { killOnExit } from '../../../temporal/killOnExit.js';
import { createS3Client } from './s3Client.js';

export interface S3Server {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startS3Server(): Promise<S3Server> {
  const port = await freePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  killOnExit(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}):\n${stderr}`);
    try {
      if ((await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2000) })).status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not answer on ${endpoint} within 30 s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    endpoint,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The environment that points the stage at a fresh bucket on `endpoint` (created here). */
export async function s3StageEnv(endpoint: string, bucket: string, prefix = 'batch'): Promise<Record<string, string>> {
  const env = {
    BATCH_STAGE: `s3://${bucket}/${prefix}`,
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  };
  const s3 = createS3Client(loadConfig(env).s3);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  s3.destroy();
  return env;
}
