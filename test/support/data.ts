// Test data made in the warehouse by SQL, so expectations can be computed by DuckDB itself.
import type { Harness } from './harness.js';

/** Anything that runs SQL on the test warehouse, whatever its stage. */
type Sql = Pick<Harness, 'sql'>;

/** model_features in schema `dev`: NULLs in both features, two ds dates, deterministic values. */
export async function createFeatures(h: Sql, rows: number, table = 'dev.model_features'): Promise<void> {
  await h.sql(`CREATE SCHEMA IF NOT EXISTS dev`);
  await h.sql(`CREATE OR REPLACE TABLE ${table} AS
    SELECT i::BIGINT AS id,
      CASE WHEN i % 7 = 0 THEN NULL ELSE ((i * 7919) % 1000) / 1000.0 END::DOUBLE AS feature_1,
      CASE WHEN i % 11 = 0 THEN NULL ELSE ((i * 104729) % 997) / 997.0 END::DOUBLE AS feature_2,
      CASE WHEN i % 2 = 0 THEN '2026-02-26' ELSE '2026-02-25' END AS ds
    FROM range(${rows}) r(i)`);
}

/** The seed's scoring done by DuckDB: the reference every test compares against. */
export const EXPECTED_SQL = (where = `ds = '2026-02-26'`, table = 'dev.model_features') => `
  SELECT id, round(0.7 * coalesce(feature_1, 0) + 0.3 * coalesce(feature_2, 0), 6) AS score,
         CASE WHEN round(0.7 * coalesce(feature_1, 0) + 0.3 * coalesce(feature_2, 0), 6) >= 0.5 THEN 1 ELSE 0 END AS label
  FROM ${table} WHERE ${where}`;

/** Rows that differ between the published table and the reference, plus counts of each side. */
export async function compareWithExpected(h: Sql, outputTable: string, where?: string) {
  const [diff] = await h.sql<{ missing: number; extra: number; wrong: number; published: number; expected: number }>(`
    WITH expected AS (${EXPECTED_SQL(where)}), published AS (SELECT * FROM ${outputTable})
    SELECT
      (SELECT count(*) FROM expected e WHERE NOT EXISTS (SELECT 1 FROM published p WHERE p.id = e.id))::INTEGER AS missing,
      (SELECT count(*) FROM published p WHERE NOT EXISTS (SELECT 1 FROM expected e WHERE p.id = e.id))::INTEGER AS extra,
      (SELECT count(*) FROM expected e JOIN published p USING (id)
        WHERE abs(e.score - p.score) > 1e-9 OR e.label <> p.label)::INTEGER AS wrong,
      (SELECT count(*) FROM published)::INTEGER AS published,
      (SELECT count(*) FROM expected)::INTEGER AS expected`);
  return diff;
}

export const seedSpec = (overrides: Record<string, unknown> = {}) => ({
  inputQuery: `SELECT id, feature_1, feature_2 FROM {{schema}}.model_features WHERE ds = '{ds}'`,
  ctx: { ds: '2026-02-26' },
  outputTableName: 'MODEL_PREDICTIONS_DAILY',
  outputTableDefinition: [
    ['id', 'NUMBER'],
    ['score', 'FLOAT'],
    ['label', 'NUMBER'],
  ],
  predictor: 'linear-demo',
  parallelWorkers: 4,
  batchSizeInMb: 0.25,
  ...overrides,
});
