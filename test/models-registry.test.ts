// The registry on both stages: the local folder and S3 (moto). Racing registrations get distinct
// versions (or, for one explicit version, exactly one winner), never a half-written version; a worker's
// cache downloads a version from S3, checks its sha256 and scores with it.
import * as arrow from 'apache-arrow';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStage } from '../src/adapters/stage/local/localStage.js';
import { createStage } from '../src/adapters/stage/registry.js';
import type { Stage } from '../src/adapters/stage/stage.js';
import { loadConfig } from '../src/config.js';
import { ModelCache } from '../src/models/cache.js';
import { CorruptModelError, ModelRegistrationConflictError, ModelVersionExistsError } from '../src/models/errors.js';
import { ModelRegistry, sha256OfFile } from '../src/models/registry.js';
import { trainedModels } from './support/models.js';
import { s3StageEnv, startS3Server, type S3Server } from './support/s3Server.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-models-'));

function jsModels(n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const file = path.join(dir, `m${i}.mjs`);
    fs.writeFileSync(file, `export function score(t) { return { v: new Float64Array(t.numRows).fill(${i}) }; }\n`);
    return file;
  });
}

let server: S3Server;
const stages: Record<string, () => Promise<Stage>> = {
  local: async () => new LocalStage(fs.mkdtempSync(path.join(dir, 'stage-'))),
  s3: async () => {
    const env = await s3StageEnv(server.endpoint, `models-${Math.random().toString(36).slice(2, 8)}`);
    return createStage(loadConfig({ ...env, BATCH_DATA_DIR: path.join(dir, 'data') }));
  },
};

beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe.each(Object.keys(stages))('model registry on the %s stage', (kind) => {
  it('gives racing registrations of one name distinct versions, each whole', async () => {
    const registry = new ModelRegistry(await stages[kind]());
    const files = jsModels(6);
    const results = await Promise.all(files.map((file) => registry.register({ name: 'race', file })));
    expect(results.map((r) => r.model.version).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    for (const [i, r] of results.entries()) {
      expect(r.created).toBe(true);
      const stored = await registry.get('race', r.model.version);
      expect(stored?.artifact.sha256).toBe(await sha256OfFile(files[i]));
      const copy = await registry.stage.localCopy(`models/race/${r.model.version}/${stored!.artifact.file}`);
      expect(await sha256OfFile(copy.path)).toBe(stored!.artifact.sha256);
      await copy.release();
    }
    expect(await registry.versions('race')).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('lets exactly one of several registrations of the same explicit version win', async () => {
    const registry = new ModelRegistry(await stages[kind]());
    const results = await Promise.allSettled(jsModels(4).map((file) => registry.register({ name: 'pinned', file, version: 7 })));
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results.filter((x) => x.status === 'rejected'))
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ModelVersionExistsError);
    // The losers' artifacts are gone: the version folder holds the winner's artifact and model.json.
    expect((await registry.stage.list('models/pinned/7/')).map((o) => path.basename(o.key)).sort()).toEqual(
      [(won[0] as PromiseFulfilledResult<{ model: { artifact: { file: string } } }>).value.model.artifact.file, 'model.json'].sort(),
    );
  });

  it('writes model.json only where none is: the second create-if-absent does not replace the first', async () => {
    const stage = await stages[kind]();
    expect(await stage.putJsonIfAbsent('models/x/1/model.json', { first: true })).toBe(true);
    expect(await stage.putJsonIfAbsent('models/x/1/model.json', { first: false })).toBe(false);
    expect(await stage.getJson('models/x/1/model.json')).toEqual({ first: true });
  });
});

describe('a registration that loses while the winner is still writing (S3 answers 409 to a conditional PUT in flight)', () => {
  it("never deletes the artifact the winner's model.json names", async () => {
    const base = new LocalStage(fs.mkdtempSync(path.join(dir, 'stage-409-')));
    let releaseA!: () => void;
    const aInFlight = new Promise<void>((resolve) => (releaseA = resolve));
    let puts = 0;
    // A's conditional PUT lands only after B has given up; B is told "taken" (409) before A's model.json exists.
    const stage: Stage = Object.create(base);
    stage.putJsonIfAbsent = async (key, value) => {
      if (++puts === 1) {
        await aInFlight;
        return base.putJsonIfAbsent(key, value);
      }
      return false;
    };
    const [file] = jsModels(1);
    const registry = new ModelRegistry(stage);
    const a = registry.register({ name: 'raced', file, version: 1 });
    while (puts < 1) await new Promise((resolve) => setTimeout(resolve, 10));
    const b = await registry.register({ name: 'raced', file, version: 1 }).catch((e: unknown) => e);
    expect(b).toBeInstanceOf(ModelRegistrationConflictError);
    releaseA();
    expect((await a).created).toBe(true);
    const model = await new ModelRegistry(base).show({ name: 'raced', version: 1 });
    const cache = new ModelCache(base, path.join(dir, 'cache-409'), 1e9);
    const loaded = await cache.acquire({ name: 'raced', version: 1, function: 'score', kind: 'js', sha256: model.artifact.sha256 });
    loaded.release();
  });
});

describe('the worker cache bound (BATCH_MODEL_CACHE_MB)', () => {
  it('closes the least recently used idle version when a new one would go over, never one in use', async () => {
    const stage = await stages.local();
    const registry = new ModelRegistry(stage);
    const files = jsModels(3);
    const resolved = [];
    for (const file of files) {
      const { model } = await registry.register({ name: `m${resolved.length}`, file });
      resolved.push((await registry.resolve({ name: model.name })).resolved);
    }
    const size = fs.statSync(files[0]).size;
    // Room for two artifacts.
    const cache = new ModelCache(stage, path.join(dir, 'bound'), 2 * size + 1);
    const held = await cache.acquire(resolved[0]);
    (await cache.acquire(resolved[1])).release();
    const third = await cache.acquire(resolved[2]);
    // m1 was idle and least recently used: closed; m0 is in use, so it stays although older.
    expect(
      cache
        .loaded()
        .map((k) => k.split('@')[0])
        .sort(),
    ).toEqual(['m0', 'm2']);
    held.release();
    third.release();
    await cache.close();
  });
});

describe('a worker loading a model version from S3', () => {
  it('downloads it, checks its sha256 once, shares the session, and refuses changed bytes', async () => {
    const fx = trainedModels();
    const stage = await stages.s3();
    const registry = new ModelRegistry(stage);
    const { model } = await registry.register({ name: 'churn', file: path.join(fx, 'lr.onnx') });
    const { resolved } = await registry.resolve({ name: 'churn', function: 'predict_proba' });
    const cache = new ModelCache(stage, path.join(dir, 'cache'), 1024 * 1024);
    const [a, b] = await Promise.all([cache.acquire(resolved), cache.acquire(resolved)]);
    expect(a.opened).toBe(b.opened); // one load, one session for concurrent chunks
    const table = arrow.tableFromArrays({
      f1: Float64Array.from([0, 1]),
      f2: Float64Array.from([0, -1]),
      f3: Float64Array.from([0, 1]),
      f4: Float64Array.from([0, 0]),
    });
    const out = (await a.opened.scorer(model.functions[1]).predict(table, { runId: 'r', worker: 0, chunk: 0, batch: 0 })) as Record<
      string,
      Float64Array
    >;
    for (let i = 0; i < 2; i++) expect(out.proba_0[i] + out.proba_1[i]).toBeCloseTo(1, 6);
    a.release();
    b.release();
    await cache.close();

    // The same version with other bytes on the bucket: a fresh worker refuses to load it.
    const tampered = path.join(dir, 'tampered.onnx');
    fs.writeFileSync(tampered, Buffer.concat([fs.readFileSync(path.join(fx, 'lr.onnx')), Buffer.from([0])]));
    await stage.putFile(tampered, `models/churn/1/${model.artifact.file}`);
    const fresh = new ModelCache(stage, path.join(dir, 'cache2'), 1024 * 1024);
    await expect(fresh.acquire(resolved)).rejects.toThrow(CorruptModelError);
    await expect(fresh.acquire(resolved)).rejects.toThrow(/model churn@1: the artifact's sha256/);
  });
});
