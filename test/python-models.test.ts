// Python models through the model registry, end to end on the real parts: registered through the real
// CLI, scored through the whole pipeline (Temporal dev server, DuckDB, local stage) by the worker's
// pool of real python3 processes. Seed 000's predict_fn as written, checked row by row against SQL; a
// scikit-learn folder with model.joblib, checked against scikit-learn's own predictions; a user
// exception; a deterministic folder archive; hostile archives refused; processes reused and closed.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PythonArchiveError, unpackPythonModel } from '../src/models/kinds/pythonArchive.js';
import { cliEnv, runCli } from './support/cli.js';
import { createHarness, type Harness } from './support/harness.js';
import { putPythonArchive } from './support/models.js';
import { failureOf, until } from './support/wait.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/python/', import.meta.url));
const SEED = path.join(FIXTURES, 'seed000', 'model.py');
const SKLEARN = path.join(FIXTURES, 'sklearn');

type Row = Record<string, unknown>;

/** A tar whose entries are written by Python's tarfile exactly as given: what an attacker with stage access could put there. */
function hostileTar(out: string, entries: { name: string; type: 'file' | 'symlink' | 'hardlink' | 'fifo' | 'chardev'; target?: string }[]) {
  const script = `
import io, json, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.GNU_FORMAT) as tar:
    for e in json.loads(sys.argv[2]):
        info = tarfile.TarInfo(e["name"])
        data = b""
        if e["type"] == "file":
            data = b"print('owned')\\n"
            info.size = len(data)
        elif e["type"] == "symlink":
            info.type, info.linkname = tarfile.SYMTYPE, e["target"]
        elif e["type"] == "hardlink":
            info.type, info.linkname = tarfile.LNKTYPE, e["target"]
        elif e["type"] == "fifo":
            info.type = tarfile.FIFOTYPE
        elif e["type"] == "chardev":
            info.type, info.devmajor, info.devminor = tarfile.CHRTYPE, 1, 3
        tar.addfile(info, io.BytesIO(data))
`;
  execFileSync('python3', ['-c', script, out, JSON.stringify(entries)]);
}

describe('python models through the registry and the pipeline', () => {
  let h: Harness;
  let env: NodeJS.ProcessEnv;
  let stopWorker: () => Promise<void>;
  const cli = (...args: string[]) => runCli(['models', ...args], env);
  const score = async (model: unknown, inputQuery: string, overrides: Record<string, unknown> = {}) => {
    const spec = { inputQuery, model, outputTableName: `PY_${randomUUID().slice(0, 8)}`, batchRows: 700, parallelWorkers: 2, ...overrides };
    const { runId } = await h.client.startBatchInference(spec);
    return { runId, spec, done: h.client.waitForResult(runId) };
  };
  const rowsOf = (table: string) => h.sql<Row>(`SELECT * FROM ${table} ORDER BY id`);

  beforeAll(async () => {
    h = await createHarness();
    env = cliEnv(h);
    await h.sql('CREATE SCHEMA IF NOT EXISTS dev');
    // Seed 000's input: id, feature_1 NULL every 5th row, feature_2 NULL every 7th.
    await h.sql(`CREATE TABLE dev.seed_features AS
      SELECT i::BIGINT AS id,
             CASE WHEN i % 5 = 0 THEN NULL ELSE ((i * 7919) % 1000) / 1000.0 END::DOUBLE AS feature_1,
             CASE WHEN i % 7 = 0 THEN NULL ELSE ((i * 104729) % 997) / 997.0 END::DOUBLE AS feature_2
      FROM range(6000) t(i)`);
    ({ stop: stopWorker } = await h.startWorker());
  });
  afterAll(async () => {
    await h?.close();
  });

  it("runs seed 000's predict_fn as written, registered through the CLI, equal row by row to the same expression in SQL", async () => {
    const reg = await cli('register', 'seed', SEED);
    expect(reg, reg.stderr).toMatchObject({ code: 0 });
    expect(reg.stdout).toMatch(/Registered seed@1 \(python, sha256 [0-9a-f]{12}…\): predict_fn/);
    const shown = JSON.parse((await cli('show', 'seed', '--json')).stdout);
    expect(shown).toMatchObject({ kind: 'python', functions: [{ name: 'predict_fn', inputs: [], outputs: [] }] });
    expect(shown.artifact.file).toMatch(/\.tar$/);

    const run = await score('seed', 'SELECT id, feature_1, feature_2 FROM dev.seed_features');
    const summary = await run.done;
    expect(summary.model).toEqual({ name: 'seed', version: 1, function: 'predict_fn', kind: 'python', sha256: shown.artifact.sha256 });
    const ours = await rowsOf(run.spec.outputTableName);
    const sql = await h.sql<Row>(`SELECT id, round(coalesce(feature_1, 0) * 0.7 + coalesce(feature_2, 0) * 0.3, 6) AS score
      FROM dev.seed_features ORDER BY id`);
    expect(ours).toHaveLength(6000);
    const wrong: string[] = [];
    ours.forEach((r, i) => {
      const e = sql[i];
      const label = (e.score as number) >= 0.5 ? 1 : 0;
      if (r.id !== e.id || Math.abs((r.score as number) - (e.score as number)) > 1e-12 || Number(r.label) !== label)
        wrong.push(`id ${e.id}: ours ${r.score}/${r.label}, SQL ${e.score}/${label}`);
    });
    expect(wrong.slice(0, 5)).toEqual([]);
    const types = await h.sql<Row>(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '${run.spec.outputTableName}' ORDER BY ordinal_position`,
    );
    expect(types.map((t) => `${t.column_name} ${t.data_type}`)).toEqual(['id BIGINT', 'score DOUBLE', 'label BIGINT']);
  });

  it('scores a scikit-learn folder (model.joblib loaded in load()) exactly as scikit-learn predicts the same rows', async () => {
    const trained = path.join(h.dir, 'trained');
    const folder = path.join(h.dir, 'sk_model');
    fs.mkdirSync(trained);
    fs.mkdirSync(folder);
    execFileSync('python3', [path.join(SKLEARN, 'train.py'), trained]);
    fs.copyFileSync(path.join(SKLEARN, 'model.py'), path.join(folder, 'model.py'));
    fs.copyFileSync(path.join(trained, 'model.joblib'), path.join(folder, 'model.joblib'));
    fs.writeFileSync(path.join(folder, 'requirements.txt'), 'scikit-learn>=1.4\njoblib\n');

    const reg = await cli('register', 'sk', folder, '--description', 'imputer + scaler + logistic regression');
    expect(reg, reg.stderr).toMatchObject({ code: 0 });
    const shown = JSON.parse((await cli('show', 'sk', '--json')).stdout);
    expect(shown).toMatchObject({ kind: 'python', requirements: 'scikit-learn>=1.4\njoblib\n', functions: [{ name: 'predict' }] });

    // The rows scikit-learn predicted in train.py, loaded into DuckDB with NULLs as NULL.
    const expected = arrow.tableFromIPC(fs.readFileSync(path.join(trained, 'expected.arrow'))).toArray() as Row[];
    await h.sql('CREATE TABLE dev.sk_rows (id BIGINT, feature_1 DOUBLE, feature_2 DOUBLE, feature_3 DOUBLE)');
    const v = (x: unknown) => (x === null || Number.isNaN(x) ? 'NULL' : String(x));
    for (let i = 0; i < expected.length; i += 1000)
      await h.sql(
        `INSERT INTO dev.sk_rows VALUES ${expected
          .slice(i, i + 1000)
          .map((r) => `(${r.id}, ${v(r.feature_1)}, ${v(r.feature_2)}, ${v(r.feature_3)})`)
          .join(',')}`,
      );
    expect((await h.sql<Row>('SELECT count(*) AS n FROM dev.sk_rows WHERE feature_2 IS NULL'))[0].n).toBeGreaterThan(0n);

    const run = await score('sk', 'SELECT id, feature_1, feature_2, feature_3 FROM dev.sk_rows');
    await run.done;
    const ours = new Map((await rowsOf(run.spec.outputTableName)).map((r) => [String(r.id), r]));
    expect(ours.size).toBe(expected.length);
    const wrong: string[] = [];
    for (const e of expected) {
      const r = ours.get(String(e.id));
      if (!r || Number(r.label) !== Number(e.expected_label) || Math.abs((r.proba as number) - (e.expected_proba as number)) > 1e-12)
        wrong.push(`id ${e.id}: ours ${r?.label}/${r?.proba}, sklearn ${e.expected_label}/${e.expected_proba}`);
    }
    expect(wrong.slice(0, 5)).toEqual([]);

    // The same folder again: the same archive bytes, so nothing new.
    const again = await cli('register', 'sk', folder);
    expect(again, again.stderr).toMatchObject({ code: 0 });
    expect(again.stdout).toMatch(/Already registered \(same bytes\) sk@1/);
    expect(JSON.parse((await cli('list', '--json')).stdout).find((m: Row) => m.name === 'sk')).toMatchObject({ versions: [1] });
  });

  it("fails the run non-retryably with the Python exception's type and message when the model raises", async () => {
    const file = path.join(h.dir, 'raiser.txt');
    fs.writeFileSync(file, 'def predict(df):\n    raise ValueError(f"tenure must be positive, got {len(df)} rows")\n');
    // Not a .py name: --kind says what it is (and the stored copy is named by the archive, not the user).
    const refused = await cli('register', 'raiser', file);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/give --kind onnx\|js\|python/);
    fs.renameSync(file, path.join(h.dir, 'raiser.py'));
    const reg = await cli('register', 'raiser', path.join(h.dir, 'raiser.py'), '--kind', 'python');
    expect(reg, reg.stderr).toMatchObject({ code: 0 });
    const run = await score('raiser', 'SELECT id, feature_1 FROM dev.seed_features WHERE id < 100', { parallelWorkers: 1 });
    const failure = await failureOf(run.done);
    expect(failure.type).toBe('PythonModelError');
    expect(failure.message).toMatch(/raised ValueError: tenure must be positive, got 100 rows/);
    // Not retried: the chunk's activity ran once.
    const history = await h.temporal.workflow.getHandle(run.runId).fetchHistory();
    const retried = history.events!.filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
    expect(retried).toEqual([]);
  });

  it('builds the same archive from the same folder, whatever the files’ times and owners', async () => {
    const folder = path.join(h.dir, 'stable');
    fs.mkdirSync(path.join(folder, 'helpers'), { recursive: true });
    fs.copyFileSync(SEED, path.join(folder, 'model.py'));
    fs.writeFileSync(path.join(folder, 'helpers', 'util.py'), 'X = 1\n');
    expect((await cli('register', 'stable', folder)).code).toBe(0);
    const first = JSON.parse((await cli('show', 'stable', '--json')).stdout).artifact.sha256;
    // Touched and rewritten with the same bytes: the archive must not change.
    fs.utimesSync(path.join(folder, 'model.py'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    fs.writeFileSync(path.join(folder, 'helpers', 'util.py'), 'X = 1\n');
    const again = await cli('register', 'stable', folder);
    expect(again.stdout).toMatch(/Already registered \(same bytes\) stable@1/);
    fs.writeFileSync(path.join(folder, 'helpers', 'util.py'), 'X = 2\n');
    expect((await cli('register', 'stable', folder)).stdout).toMatch(/Registered stable@2/);
    expect(JSON.parse((await cli('show', 'stable@2', '--json')).stdout).artifact.sha256).not.toBe(first);
    // A link would archive whatever it points to on the registering machine: refused, nothing registered.
    fs.symlinkSync('/etc/hostname', path.join(folder, 'helpers', 'linked.txt'));
    const linked = await cli('register', 'stable', folder);
    expect(linked.code).toBe(2);
    expect(linked.stderr).toMatch(/helpers\/linked\.txt is a symbolic link; copy the file it points to into the folder instead/);
    expect(JSON.parse((await cli('list', '--json')).stdout).find((m: Row) => m.name === 'stable')).toMatchObject({ versions: [1, 2] });
  });

  it('refuses a hostile archive put on the stage: the run fails non-retryably and nothing lands outside its folder', async () => {
    const tar = path.join(h.dir, 'evil.tar');
    hostileTar(tar, [
      { name: 'model.py', type: 'file' },
      { name: '../../../../escaped.py', type: 'file' },
    ]);
    putPythonArchive(h.stage.root, 'evil', tar);
    const run = await score('evil', 'SELECT id FROM dev.seed_features WHERE id < 10', { parallelWorkers: 1 });
    const failure = await failureOf(run.done);
    expect(failure.type).toBe('PythonArchiveError');
    expect(failure.message).toMatch(/refused to unpack .*'\.\.\/\.\.\/\.\.\/\.\.\/escaped\.py' leaves the model folder/);
    const found = execFileSync('find', [h.dir, '-name', 'escaped.py']).toString().trim();
    expect(found).toBe('');
  });

  it.each([
    ['a path that leaves the folder', [{ name: 'a/../../x.py', type: 'file' as const }], /leaves the model folder/],
    ['an absolute path', [{ name: '/tmp/bi-abs-escape.py', type: 'file' as const }], /absolute path/],
    [
      'a symbolic link out of the folder',
      [{ name: 'model.py', type: 'symlink' as const, target: '/etc/passwd' }],
      /link or a special file/,
    ],
    ['a hard link', [{ name: 'model.py', type: 'hardlink' as const, target: '/etc/passwd' }], /link or a special file/],
    ['a device file', [{ name: 'null', type: 'chardev' as const }], /link or a special file/],
    ['a fifo', [{ name: 'pipe', type: 'fifo' as const }], /link or a special file/],
  ])('refuses an archive holding %s before writing anything', async (_what, entries, problem) => {
    const tar = path.join(h.dir, `hostile-${randomUUID().slice(0, 8)}.tar`);
    hostileTar(tar, [{ name: 'ok.py', type: 'file' }, ...entries]);
    const dest = path.join(h.dir, `dest-${randomUUID().slice(0, 8)}`, 'model');
    fs.mkdirSync(path.dirname(dest));
    const err = await unpackPythonModel('python3', tar, dest).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PythonArchiveError);
    expect((err as Error).message).toMatch(problem);
    // Nothing extracted, not even the harmless entry before the hostile one; no half-extracted folder left.
    expect(fs.readdirSync(path.dirname(dest))).toEqual([]);
    expect(fs.existsSync('/tmp/bi-abs-escape.py')).toBe(false);
  });

  it('reuses one Python process across the chunks and runs of a version, and stops it when the worker shuts down', async () => {
    const file = path.join(h.dir, 'whoami.py');
    fs.writeFileSync(
      file,
      'import os\nimport pandas as pd\n\ndef predict(df):\n    return pd.DataFrame({"id": df["id"], "pid": os.getpid()})\n',
    );
    expect((await cli('register', 'whoami', file)).code).toBe(0);
    const pids = new Set<number>();
    for (let i = 0; i < 2; i++) {
      // One worker slice, chunks of about a tenth of the table: several chunks, one after the other.
      const run = await score('whoami', 'SELECT id, feature_1, feature_2 FROM dev.seed_features', {
        parallelWorkers: 1,
        batchSizeInMb: 0.01,
      });
      const summary = await run.done;
      if (i === 0) expect(summary.chunks).toBeGreaterThan(1);
      for (const r of await h.sql<Row>(`SELECT DISTINCT pid FROM ${run.spec.outputTableName}`)) pids.add(Number(r.pid));
    }
    expect(pids.size).toBe(1);
    const [pid] = pids;
    expect(() => process.kill(pid, 0)).not.toThrow(); // idle in the pool between runs
    await stopWorker();
    await until(
      async () => {
        try {
          process.kill(pid, 0);
          return undefined;
        } catch {
          return true;
        }
      },
      10_000,
      `python process ${pid} to end with the worker`,
    );
  });
});
