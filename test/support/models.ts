// Model test fixtures: scikit-learn models trained and exported by test/fixtures/train_models.py (real
// Python), cached under .data/ by the script's hash, and parquet files read with an in-memory DuckDB.
import { DuckDBInstance } from '@duckdb/node-api';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Harness } from './harness.js';

const SCRIPT = fileURLToPath(new URL('../fixtures/train_models.py', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The folder with lr.onnx, rf.onnx, lr_zipmap.onnx, features.parquet and the expected predictions. */
export function trainedModels(): string {
  const hash = createHash('sha256').update(fs.readFileSync(SCRIPT)).digest('hex').slice(0, 16);
  const dir = path.join(ROOT, '.data', 'model-fixtures', hash);
  if (!fs.existsSync(path.join(dir, 'DONE'))) {
    const tmp = `${dir}.${process.pid}.tmp`;
    execFileSync('python3', [SCRIPT, tmp], { stdio: 'inherit' });
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
  }
  return dir;
}

export async function readParquet<T = Record<string, unknown>>(file: string): Promise<T[]> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const reader = await conn.runAndReadAll(`SELECT * FROM read_parquet('${file.replace(/'/g, "''")}')`);
    return reader.getRowObjectsJS() as T[];
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

const sqlValue = (v: unknown) => (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v)) ? 'NULL' : String(v));

/** The fixture's feature rows as a table in the harness warehouse (dev.model_inputs). */
export async function loadFeatures(h: Pick<Harness, 'sql'>, dir: string): Promise<number> {
  const rows = await readParquet<{ id: bigint; f1: number | null; f2: number | null; f3: number | null; f4: number | null }>(
    path.join(dir, 'features.parquet'),
  );
  await h.sql(`CREATE SCHEMA IF NOT EXISTS dev`);
  await h.sql(`CREATE OR REPLACE TABLE dev.model_inputs (id BIGINT, f1 DOUBLE, f2 DOUBLE, f3 DOUBLE, f4 DOUBLE)`);
  for (let i = 0; i < rows.length; i += 1000) {
    const values = rows
      .slice(i, i + 1000)
      .map((r) => `(${r.id}, ${sqlValue(r.f1)}, ${sqlValue(r.f2)}, ${sqlValue(r.f3)}, ${sqlValue(r.f4)})`)
      .join(',');
    await h.sql(`INSERT INTO dev.model_inputs VALUES ${values}`);
  }
  return rows.length;
}

/** Rows of `published` whose columns differ from `expected` by more than tol (labels exactly), joined by id. */
export function differences(
  expected: Record<string, unknown>[],
  published: Record<string, unknown>[],
  columns: string[],
  tol = 1e-5,
): { missing: number; extra: number; wrong: string[] } {
  const byId = new Map(published.map((r) => [String(r.id), r]));
  const wrong: string[] = [];
  let missing = 0;
  for (const e of expected) {
    const p = byId.get(String(e.id));
    if (!p) {
      missing++;
      continue;
    }
    byId.delete(String(e.id));
    for (const c of columns) {
      const a = Number(e[c]);
      const b = Number(p[c]);
      if (!(Math.abs(a - b) <= tol)) wrong.push(`id ${e.id} ${c}: sklearn ${a}, ours ${b}`);
    }
  }
  return { missing, extra: byId.size, wrong: wrong.slice(0, 10) };
}

/**
 * Puts `tar` on a local stage as version 1 of a Python model, with a model.json that matches its bytes:
 * what someone with write access to the stage could do without going through `models register`.
 */
export function putPythonArchive(stageRoot: string, name: string, tar: string): { sha256: string } {
  const version = path.join(stageRoot, 'models', name, '1');
  fs.mkdirSync(version, { recursive: true });
  const bytes = fs.readFileSync(tar);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const file = `artifact-${sha256.slice(0, 16)}.tar`;
  fs.writeFileSync(path.join(version, file), bytes);
  const model = {
    format: 1,
    name,
    version: 1,
    kind: 'python',
    artifact: { file, sha256, size: bytes.length },
    functions: [{ name: 'predict', inputs: [], outputs: [] }],
    createdAt: new Date().toISOString(),
  };
  fs.writeFileSync(path.join(version, 'model.json'), JSON.stringify(model));
  return { sha256 };
}
