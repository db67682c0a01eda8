// A Python model archive is bounded in what it unpacks to (BATCH_MODEL_UNPACK_MB, BATCH_MODEL_UNPACK_FILES):
// tar bombs crafted with Python's tarfile (a 10 KB archive whose sparse member declares gigabytes, ten
// thousand and one entries, a header declaring more than the archive holds) are refused from their headers
// before anything is written; a folder over the bounds is refused at registration, before anything is
// stored; and a worker refuses a bomb put on the stage, failing the run non-retryably.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unpackPythonModel } from '../src/models/kinds/pythonArchive.js';
import { ModelArchiveTooLargeError } from '../src/models/kinds/pythonArchiveBounds.js';
import { cliEnv, runCli } from './support/cli.js';
import { createHarness, type Harness } from './support/harness.js';
import { putPythonArchive } from './support/models.js';
import { failureOf } from './support/wait.js';

const BOMB = fileURLToPath(new URL('./fixtures/python/bomb_tar.py', import.meta.url));
const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;

type Kind = 'sparse' | 'entries' | 'truncated' | 'exact' | 'deep' | 'deeper';

describe('python model archives are bounded in what they unpack to', () => {
  let h: Harness;
  let tars: string;

  const bomb = (kind: Kind, n: number) => {
    const out = path.join(tars, `${kind}-${n}-${randomUUID().slice(0, 8)}.tar`);
    execFileSync('python3', [BOMB, kind, out, String(n)]);
    return out;
  };
  /** Unpacks into a fresh folder; returns the error (or undefined) and what the folder's parent holds afterwards. */
  const unpack = async (tar: string, limits?: { maxBytes: number; maxEntries: number }) => {
    const parent = fs.mkdtempSync(path.join(tars, 'dest-'));
    const err = await unpackPythonModel('python3', tar, path.join(parent, 'model'), { limits, model: 'bomb@1' }).catch((e: unknown) => e);
    return { err: err as ModelArchiveTooLargeError | undefined, left: fs.readdirSync(parent), parent };
  };

  beforeAll(async () => {
    h = await createHarness({ BATCH_MODEL_UNPACK_MB: '64' });
    tars = path.join(h.dir, 'tars');
    fs.mkdirSync(tars);
    await h.sql('CREATE TABLE rows AS SELECT range AS id FROM range(10)');
    await h.startWorker();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('refuses a 10 KB archive whose sparse member declares 3 GiB, from its headers, writing nothing (default bound 2048 MiB)', async () => {
    const tar = bomb('sparse', 3 * GiB);
    expect(fs.statSync(tar).size).toBeLessThan(64 * 1024);
    const { err, left } = await unpack(tar);
    expect(err).toBeInstanceOf(ModelArchiveTooLargeError);
    expect(err).toMatchObject({ model: 'bomb@1', limit: 'bytes', bound: 2048 * MiB, where: 'headers', setting: 'BATCH_MODEL_UNPACK_MB' });
    expect(err!.message).toBe(
      'model bomb@1: refused to unpack its Python archive: its headers declare at least 3072.0 MiB, over BATCH_MODEL_UNPACK_MB=2048 (2048.0 MiB); nothing of it was kept. If the model really is that large, raise BATCH_MODEL_UNPACK_MB on the workers; otherwise register it again from its folder',
    );
    expect(left).toEqual([]);
  });

  it('refuses an archive of more entries than BATCH_MODEL_UNPACK_FILES (default 10000), writing nothing', async () => {
    const { err, left } = await unpack(bomb('entries', 10_000)); // model.py + 10000 files
    expect(err).toMatchObject({ limit: 'entries', bound: 10_000, where: 'headers', setting: 'BATCH_MODEL_UNPACK_FILES' });
    expect(err!.message).toMatch(
      /^model bomb@1: refused to unpack its Python archive: it holds more than 10000 entries, over BATCH_MODEL_UNPACK_FILES=10000;/,
    );
    expect(left).toEqual([]);
  });

  it('counts the folders an entry implies: 10 headers 60 folders deep each are 610 paths, over a bound of 100', async () => {
    const { err, left } = await unpack(bomb('deep', 10), { maxBytes: MiB, maxEntries: 100 });
    expect(err).toMatchObject({ limit: 'entries', bound: 100, where: 'headers' });
    expect(left).toEqual([]);
  });

  it('refuses an entry nested deeper than 64 folders, writing nothing', async () => {
    const { err, left } = await unpack(bomb('deeper', 2000));
    expect(String(err)).toMatch(/nests deeper than 64 folders/);
    expect(left).toEqual([]);
  });

  it('refuses a header that declares more than the archive holds as what it declares', async () => {
    const { err, left } = await unpack(bomb('truncated', 3 * GiB));
    expect(err).toMatchObject({ limit: 'bytes', found: 3 * GiB, where: 'headers' });
    expect(left).toEqual([]);
  });

  it('unpacks an archive exactly at the bounds, and refuses one byte or one entry more', async () => {
    const tar = bomb('exact', 1000); // model.py and weights.bin, 1000 bytes in 2 entries
    const fits = await unpack(tar, { maxBytes: 1000, maxEntries: 2 });
    expect(fits.err).toBeUndefined();
    expect(fs.readdirSync(path.join(fits.parent, 'model')).sort()).toEqual(['model.py', 'weights.bin']);
    expect(
      fs.statSync(path.join(fits.parent, 'model', 'weights.bin')).size + fs.statSync(path.join(fits.parent, 'model', 'model.py')).size,
    ).toBe(1000);
    expect((await unpack(tar, { maxBytes: 999, maxEntries: 2 })).err).toMatchObject({ limit: 'bytes', found: 1000 });
    expect((await unpack(tar, { maxBytes: 1000, maxEntries: 1 })).err).toMatchObject({ limit: 'entries' });
  });

  it('fails a run non-retryably when the worker refuses a bomb put on the stage, naming model, bound and setting', async () => {
    putPythonArchive(h.stage.root, 'bomb', bomb('sparse', 100 * MiB));
    const { runId } = await h.client.startBatchInference({ inputQuery: 'SELECT id FROM rows', model: 'bomb', outputTableName: 'BOMB_OUT' });
    const failure = await failureOf(h.client.waitForResult(runId));
    expect(failure.type).toBe('ModelArchiveTooLargeError');
    // The worker's own setting (64 here), not the default.
    expect(failure.message).toMatch(
      /^(chunk \d+ of worker \d+: )?model bomb@1: refused to unpack its Python archive: its headers declare at least 100\.0 MiB, over BATCH_MODEL_UNPACK_MB=64 \(64\.0 MiB\)/,
    );
    expect((await h.client.runTimeline(runId)).retries).toBe(0);
    // Nothing unpacked stays in the worker's model cache: the verified archive only.
    const cached = execFileSync('find', [path.join(h.config.dataDir, 'models'), '-mindepth', '1'])
      .toString()
      .trim()
      .split('\n');
    expect(cached.filter((f) => !fs.statSync(f).isDirectory()).map((f) => path.basename(f))).toEqual([
      expect.stringMatching(/^artifact-[0-9a-f]{16}\.tar$/),
    ]);
  });

  it('refuses to register a folder over the bounds, before anything is stored', async () => {
    const folder = path.join(h.dir, 'heavy');
    fs.mkdirSync(path.join(folder, 'data'), { recursive: true });
    fs.writeFileSync(path.join(folder, 'model.py'), 'def predict(df):\n    return df\n');
    fs.writeFileSync(path.join(folder, 'data', 'a.bin'), Buffer.alloc(2 * MiB));
    const big = await runCli(['models', 'register', 'heavy', folder], cliEnv(h, { BATCH_MODEL_UNPACK_MB: '1' }));
    expect(big.code).toBe(2);
    expect(big.stderr).toContain(
      `cannot register the Python model folder ${folder}: its files hold 2.0 MiB, over BATCH_MODEL_UNPACK_MB=1 (1.0 MiB), the bound a worker unpacks; leave data files out of the model folder, or raise BATCH_MODEL_UNPACK_MB here and on the workers`,
    );
    fs.writeFileSync(path.join(folder, 'data', 'b.bin'), '');
    // model.py, data/, data/a.bin, data/b.bin: four entries.
    const many = await runCli(['models', 'register', 'heavy', folder], cliEnv(h, { BATCH_MODEL_UNPACK_FILES: '3' }));
    expect(many.code).toBe(2);
    expect(many.stderr).toMatch(/it holds more than 3 entries, over BATCH_MODEL_UNPACK_FILES=3, the bound a worker unpacks/);
    expect(fs.existsSync(path.join(h.stage.root, 'models', 'heavy'))).toBe(false);
    // Within the bounds (the defaults), the same folder registers.
    expect((await runCli(['models', 'register', 'heavy', folder], cliEnv(h))).code).toBe(0);
  });
});
