// A sensor's value goes into the run's SQL as {payloadKey}: values that could carry SQL are refused
// (the check fails, visibly) rather than pasted. The source here is the real DuckDB warehouse.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBWarehouse } from '../../src/adapters/warehouse/duckdb/duckdbWarehouse.js';
import { observeSource } from '../../src/sensors/observe.js';
import { SensorSourceError } from '../../src/sensors/errors.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

describe('sensor values bound for SQL', () => {
  let dir: string;
  let warehouse: DuckDBWarehouse;
  const observe = (query: string) => observeSource('landings', { type: 'duckdb', query }, { warehouse, schema: 'dev' });

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-values-'));
    warehouse = new DuckDBWarehouse(path.join(dir, 'w.duckdb'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('passes dates, keys and timestamps through', async () => {
    expect((await observe(`SELECT '2026-02-26' AS ds`)).value).toBe('2026-02-26');
    expect((await observe(`SELECT 'incoming/part 001.parquet' AS k`)).value).toBe('incoming/part 001.parquet');
  });

  it.each([[`x'; DROP TABLE dev.model_features; --`], ['a;b'], ['a--b'], ['a/*b'], ['a\\b'], ['two\nlines']])(
    'refuses %j',
    async (value) => {
      const literal = `'${value.replace(/'/g, "''")}'`;
      const err = await observe(`SELECT ${literal} AS v`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SensorSourceError);
      expect((err as Error).message).toMatch(/cannot go into the run's SQL/);
    },
  );
});
