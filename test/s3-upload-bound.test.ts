// A folder commit uploads several files at once; each multipart upload holds its parts in flight in
// memory (16 MiB each). The commit bounds that to one part per file, counted here at the S3 client as
// concurrent UploadPart requests reaching moto.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../src/adapters/stage/s3/s3Client.js';
import { S3Stage } from '../src/adapters/stage/s3/s3Stage.js';
import { loadConfig } from '../src/config.js';
import { s3StageEnv, startS3Server, type S3Server } from './support/s3Server.js';

describe('S3 folder commit memory bound', () => {
  let server: S3Server;
  let scratch: string;

  beforeAll(async () => {
    server = await startS3Server();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-s3-bound-'));
  });
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('keeps at most one part in flight per file while several files upload at once', async () => {
    const env = await s3StageEnv(server.endpoint, 'bound-test', 'batch');
    const s3 = createS3Client(loadConfig(env).s3);
    let inFlight = 0;
    let peak = 0;
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'UploadPartCommand') return next(args);
        peak = Math.max(peak, ++inFlight);
        try {
          return await next(args);
        } finally {
          inFlight--;
        }
      },
      { step: 'initialize', name: 'countParts' },
    );
    const stage = new S3Stage(s3, env.BATCH_STAGE, scratch);
    const folder = await stage.writeFolder('runs/bound/output');
    const part = randomBytes(16 * 1024 * 1024);
    const files = 3;
    for (let i = 0; i < files; i++) {
      // 3 parts and a bit each: without the bound, up to 4 parts of each file travel at once.
      fs.writeFileSync(path.join(folder.dir, `f${i}.parquet`), Buffer.concat([part, part, part, part.subarray(0, 1024)]));
    }
    await folder.commit();
    expect((await stage.list('runs/bound/output')).map((o) => o.size)).toEqual(Array(files).fill(3 * part.length + 1024));
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(files);
    s3.destroy();
  });
});
