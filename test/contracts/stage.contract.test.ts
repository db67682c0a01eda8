// The Stage contract, one set of cases run on every stage backend: the local folder and S3 (moto).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStage } from '../../src/adapters/stage/local/localStage.js';
import { createS3Client } from '../../src/adapters/stage/s3/s3Client.js';
import { S3Stage } from '../../src/adapters/stage/s3/s3Stage.js';
import type { Stage } from '../../src/adapters/stage/stage.js';
import { loadConfig } from '../../src/config.js';
import { s3StageEnv, startS3Server, type S3Server } from '../support/s3Server.js';

interface Backend {
  name: string;
  open(): Promise<Stage>;
  close(): Promise<void>;
}

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-stage-contract-'));
  dirs.push(d);
  return d;
};
let s3: S3Server | undefined;

const backends: Backend[] = [
  { name: 'local folder', open: async () => new LocalStage(tmp()), close: async () => {} },
  {
    name: 'S3 (moto)',
    open: async () => {
      s3 ??= await startS3Server();
      const env = await s3StageEnv(s3.endpoint, `contract-${Math.random().toString(36).slice(2, 8)}`, 'team/batch');
      return new S3Stage(createS3Client(loadConfig(env).s3), env.BATCH_STAGE, tmp());
    },
    close: async () => {
      await s3?.stop();
      s3 = undefined;
    },
  },
];

afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe.each(backends)('Stage contract: $name', (backend) => {
  let stage: Stage;
  beforeAll(async () => {
    stage = await backend.open();
  }, 60_000);
  afterAll(() => backend.close());

  it('says whether its objects cross a network: chunk files are compressed only for a stage that does', () => {
    expect(stage.remote).toBe(backend.name.startsWith('S3'));
  });

  it('puts and gets JSON; a missing key is undefined, not an error', async () => {
    await stage.putJson('runs/r1/manifest.json', { rows: 3, name: 'ü' });
    expect(await stage.getJson('runs/r1/manifest.json')).toEqual({ rows: 3, name: 'ü' });
    expect(await stage.getJson('runs/r1/nothing.json')).toBeUndefined();
    expect(await stage.stat('runs/r1/nothing.json')).toBeUndefined();
  });

  it('moves a local file to a key in one step, replacing what was there, and copies it back', async () => {
    for (const text of ['first version', 'second, longer version']) {
      const local = await stage.scratchPath('part.txt');
      fs.writeFileSync(local, text);
      await stage.putFile(local, 'runs/r2/output/0/000000.txt');
    }
    expect((await stage.stat('runs/r2/output/0/000000.txt'))?.size).toBe('second, longer version'.length);
    const copy = await stage.localCopy('runs/r2/output/0/000000.txt');
    expect(fs.readFileSync(copy.path, 'utf8')).toBe('second, longer version');
    await copy.release();
  });

  it('lists exactly the objects under a prefix, not a sibling that shares its start', async () => {
    await stage.putJson('runs/r3/a.json', 1);
    await stage.putJson('runs/r3/sub/b.json', 2);
    await stage.putJson('runs/r30/c.json', 3);
    const keys = (await stage.list('runs/r3')).map((o) => o.key).sort();
    expect(keys).toEqual(['runs/r3/a.json', 'runs/r3/sub/b.json']);
  });

  it('replaces a folder whole on commit, and leaves it untouched on discard', async () => {
    await stage.putJson('runs/r4/input/old.json', 'old');
    const first = await stage.writeFolder('runs/r4/input');
    fs.writeFileSync(path.join(first.dir, 'data_0.parquet'), 'x');
    await first.discard();
    expect((await stage.list('runs/r4/input')).map((o) => o.key)).toEqual(['runs/r4/input/old.json']);
    const second = await stage.writeFolder('runs/r4/input');
    fs.writeFileSync(path.join(second.dir, 'data_0.parquet'), 'x');
    fs.writeFileSync(path.join(second.dir, 'data_1.parquet'), 'yy');
    await second.commit();
    expect((await stage.list('runs/r4/input')).map((o) => o.key).sort()).toEqual([
      'runs/r4/input/data_0.parquet',
      'runs/r4/input/data_1.parquet',
    ]);
  });

  it('deletes a prefix and only it, and a single key by its exact name', async () => {
    await stage.putJson('runs/r5/x.json', 1);
    await stage.putJson('runs/r55/y.json', 2);
    await stage.putJson('results/one.json', 3);
    await stage.deletePrefix('runs/r5');
    await stage.deletePrefix('results/one.json');
    expect(await stage.list('runs/r5')).toEqual([]);
    expect((await stage.list('runs/r55')).map((o) => o.key)).toEqual(['runs/r55/y.json']);
    expect(await stage.stat('results/one.json')).toBeUndefined();
  });
});
