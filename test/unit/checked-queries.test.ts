// A run's query is checked by DuckDB's parser in prepareRun and again in exportInput; the second check
// of the same text is answered from what the first found (issue 14). Only passes are remembered: a
// refused text is refused every time, and other settings are checked afresh.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DuckDBWarehouse } from '../../src/adapters/warehouse/duckdb/duckdbWarehouse.js';
import { QueryRefusedError } from '../../src/adapters/warehouse/errors.js';

describe('DuckDB query checks', () => {
  let dir: string;
  let warehouse: DuckDBWarehouse;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'checked-'));
    warehouse = new DuckDBWarehouse(path.join(dir, 'w.duckdb'));
    await warehouse.withConnection((conn) => conn.run('CREATE TABLE t AS SELECT 1 AS x'));
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('checks a text once: the repeat opens no instance', async () => {
    const opened = vi.spyOn(warehouse, 'withConnection');
    await warehouse.checkReadOnlyQuery('SELECT x FROM t', { useUtc: true });
    await warehouse.checkReadOnlyQuery('SELECT x FROM t', { useUtc: true });
    expect(opened).toHaveBeenCalledTimes(1);
    // Other settings, another field: checked again.
    await warehouse.checkReadOnlyQuery('SELECT x FROM t', { useUtc: false });
    await warehouse.checkReadOnlyQuery('SELECT x FROM t', { useUtc: true, field: 'sensor.query' });
    expect(opened).toHaveBeenCalledTimes(3);
  });

  it('refuses a refused text every time', async () => {
    const writes = 'SELECT 1; DROP TABLE t';
    for (let i = 0; i < 2; i++) await expect(warehouse.checkReadOnlyQuery(writes)).rejects.toBeInstanceOf(QueryRefusedError);
    for (let i = 0; i < 2; i++) await expect(warehouse.checkReadOnlyQuery('DELETE FROM t')).rejects.toBeInstanceOf(QueryRefusedError);
    // A text that passed does not vouch for a longer one that starts with it.
    await warehouse.checkReadOnlyQuery('SELECT 1');
    await expect(warehouse.checkReadOnlyQuery('SELECT 1; DROP TABLE t')).rejects.toBeInstanceOf(QueryRefusedError);
  });
});
