// The S3 stage against a real S3-compatible server (moto): listing past 1,000 keys, multipart
// uploads, folder replacement, and a download cut mid-body that resumes.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../src/adapters/stage/s3/s3Client.js';
import { S3Stage } from '../src/adapters/stage/s3/s3Stage.js';
import { loadConfig } from '../src/config.js';
import { startCuttingProxy, type CuttingProxy } from './support/cuttingProxy.js';
import { s3StageEnv, startS3Server, type S3Server } from './support/s3Server.js';

const sha = (buf: Buffer) => createHash('sha256').update(buf).digest('hex');

describe('S3 stage', () => {
  let server: S3Server;
  let proxy: CuttingProxy;
  let stage: S3Stage;
  let flakyStage: S3Stage;
  let scratch: string;

  beforeAll(async () => {
    server = await startS3Server();
    proxy = await startCuttingProxy(server.endpoint);
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-s3-'));
    const env = await s3StageEnv(server.endpoint, 'stage-test', 'team/batch');
    stage = new S3Stage(createS3Client(loadConfig(env).s3), env.BATCH_STAGE, scratch);
    flakyStage = new S3Stage(createS3Client(loadConfig({ ...env, AWS_ENDPOINT_URL: proxy.endpoint }).s3), env.BATCH_STAGE, scratch);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('lists and deletes more than 1,000 objects under a prefix, and nothing beside it', async () => {
    const keys = Array.from({ length: 1_234 }, (_, i) => `runs/many/output/${i % 4}/${String(i).padStart(6, '0')}.json`);
    for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((k) => stage.putJson(k, { k })));
    await stage.putJson('runs/many2/manifest.json', { other: true });

    const listed = await stage.list('runs/many');
    expect(listed).toHaveLength(1_234);
    expect(listed.map((o) => o.key)).toEqual([...keys].sort());

    await stage.deletePrefix('runs/many');
    expect(await stage.list('runs/many')).toEqual([]);
    expect(await stage.getJson('runs/many2/manifest.json')).toEqual({ other: true });
  });

  it('deletePrefix removes a single object by its key, as the local stage does for a file', async () => {
    await stage.putJson('results/p/part-a.parquet', {});
    await stage.putJson('results/p/part-b.parquet', {});
    await stage.deletePrefix('results/p/part-a.parquet');
    expect((await stage.list('results/p')).map((o) => o.key)).toEqual(['results/p/part-b.parquet']);
  });

  it('answers undefined for a missing object and round-trips JSON', async () => {
    expect(await stage.stat('runs/none/manifest.json')).toBeUndefined();
    expect(await stage.getJson('runs/none/manifest.json')).toBeUndefined();
    await stage.putJson('runs/j/manifest.json', { a: [1, 2], b: 'é' });
    expect(await stage.getJson('runs/j/manifest.json')).toEqual({ a: [1, 2], b: 'é' });
    expect((await stage.stat('runs/j/manifest.json'))?.size).toBeGreaterThan(0);
  });

  it('uploads a file larger than one part in parts and downloads the same bytes', async () => {
    const body = randomBytes(40 * 1024 * 1024);
    const local = await stage.scratchPath('big.bin');
    fs.writeFileSync(local, body);
    await stage.putFile(local, 'runs/big/input/big.bin');
    expect(fs.existsSync(local)).toBe(false);
    expect((await stage.stat('runs/big/input/big.bin'))?.size).toBe(body.length);

    const copy = await stage.localCopy('runs/big/input/big.bin');
    expect(sha(fs.readFileSync(copy.path))).toBe(sha(body));
    await copy.release();
    expect(fs.existsSync(copy.path)).toBe(false);
  });

  it('resumes a download whose connection drops mid-body and gets every byte once', async () => {
    const body = randomBytes(6 * 1024 * 1024);
    const local = await stage.scratchPath('cut.bin');
    fs.writeFileSync(local, body);
    await stage.putFile(local, 'runs/cut/input/cut.bin');

    const cutsBefore = proxy.cuts;
    proxy.cutNextResponseAfter(1024 * 1024);
    const copy = await flakyStage.localCopy('runs/cut/input/cut.bin');
    expect(proxy.cuts).toBe(cutsBefore + 1);
    const got = fs.readFileSync(copy.path);
    expect(got.length).toBe(body.length);
    expect(sha(got)).toBe(sha(body));
    await copy.release();
  });

  it('writeFolder replaces what was under the prefix only when committed', async () => {
    await stage.putJson('runs/f/input/old-0.parquet', {});
    await stage.putJson('runs/f/input/old-1.parquet', {});
    const folder = await stage.writeFolder('runs/f/input');
    fs.writeFileSync(path.join(folder.dir, 'data_0.parquet'), 'new');
    expect((await stage.list('runs/f/input')).map((o) => o.key)).toEqual(['runs/f/input/old-0.parquet', 'runs/f/input/old-1.parquet']);
    await folder.commit();
    expect((await stage.list('runs/f/input')).map((o) => o.key)).toEqual(['runs/f/input/data_0.parquet']);
    expect(fs.existsSync(folder.dir)).toBe(false);
  });

  it('refuses keys that climb out of the stage prefix', async () => {
    await expect(stage.stat('../other/x')).rejects.toThrow(/escapes the stage/);
  });
});
