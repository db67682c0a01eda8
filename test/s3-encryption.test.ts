// Server-side encryption on every write the S3 stage makes, as moto receives it: a single PUT, a
// multipart upload (the setting goes on CreateMultipartUpload) and a folder commit.
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../src/adapters/stage/s3/s3Client.js';
import { S3Stage } from '../src/adapters/stage/s3/s3Stage.js';
import { loadConfig } from '../src/config.js';
import { s3StageEnv, startS3Server, type S3Server } from './support/s3Server.js';

const KEY_ID = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';

describe('S3 server-side encryption (BATCH_S3_SSE, BATCH_S3_KMS_KEY_ID)', () => {
  let server: S3Server;
  let scratch: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await startS3Server();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-s3-sse-'));
    env = await s3StageEnv(server.endpoint, 'sse-test', 'batch');
  });
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  const headOf = async (stage: S3Stage, key: string) => {
    const s3 = createS3Client(loadConfig(env).s3);
    try {
      const head = await s3.send(new HeadObjectCommand({ Bucket: stage.bucket, Key: `${stage.base}/${key}` }));
      return { sse: head.ServerSideEncryption, keyId: head.SSEKMSKeyId };
    } finally {
      s3.destroy();
    }
  };

  it('sends aws:kms and the key id with single PUTs, multipart uploads and folder commits', async () => {
    const config = loadConfig({ ...env, BATCH_S3_SSE: 'aws:kms', BATCH_S3_KMS_KEY_ID: KEY_ID });
    const stage = new S3Stage(createS3Client(config.s3), env.BATCH_STAGE, scratch);
    await stage.putJson('kms/manifest.json', { ok: true });
    const big = path.join(scratch, 'big.bin');
    fs.writeFileSync(big, randomBytes(20 * 1024 * 1024)); // above the 16 MiB part size: multipart
    await stage.putFile(big, 'kms/big.bin');
    const folder = await stage.writeFolder('kms/out');
    fs.writeFileSync(path.join(folder.dir, 'a.parquet'), 'x');
    await folder.commit();

    for (const key of ['kms/manifest.json', 'kms/big.bin', 'kms/out/a.parquet']) {
      expect({ key, ...(await headOf(stage, key)) }).toEqual({ key, sse: 'aws:kms', keyId: KEY_ID });
    }
  });

  it('sends AES256 when asked, and nothing of ours when unset', async () => {
    const aes = new S3Stage(createS3Client(loadConfig({ ...env, BATCH_S3_SSE: 'AES256' }).s3), env.BATCH_STAGE, scratch);
    await aes.putJson('aes/manifest.json', {});
    expect(await headOf(aes, 'aes/manifest.json')).toMatchObject({ sse: 'AES256', keyId: undefined });
    const plain = new S3Stage(createS3Client(loadConfig(env).s3), env.BATCH_STAGE, scratch);
    await plain.putJson('plain/manifest.json', {});
    expect((await headOf(plain, 'plain/manifest.json')).sse).not.toBe('aws:kms');
  });

  it('refuses a KMS key without aws:kms, and an unknown mode, naming the variable', () => {
    expect(() => loadConfig({ ...env, BATCH_S3_KMS_KEY_ID: KEY_ID })).toThrow(/BATCH_S3_KMS_KEY_ID.*only with BATCH_S3_SSE=aws:kms/);
    expect(() => loadConfig({ ...env, BATCH_S3_SSE: 'kms' })).toThrow(/BATCH_S3_SSE.*AES256 or aws:kms/);
  });
});
