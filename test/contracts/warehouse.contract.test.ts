// The Warehouse contract, one set of cases run on every warehouse backend: DuckDB (embedded) and
// Snowflake through snowflake-sdk against fakesnow. Exports are covered per backend elsewhere
// (fakesnow cannot unload); this is everything else a run relies on.
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStage } from '../../src/adapters/stage/local/localStage.js';
import { DuckDBWarehouse } from '../../src/adapters/warehouse/duckdb/duckdbWarehouse.js';
import { QueryError } from '../../src/adapters/warehouse/errors.js';
import { SnowflakeWarehouse } from '../../src/adapters/warehouse/snowflake/snowflakeWarehouse.js';
import type { PublishRequest, Warehouse } from '../../src/adapters/warehouse/warehouse.js';
import type { ColumnDefinition } from '../../src/spec/types.js';
import { fakesnowAccount, startFakesnow, type FakesnowAccount, type FakesnowServer } from '../support/fakesnowServer.js';

interface Backend {
  name: string;
  /** The warehouse and the stage folder its publish reads from. */
  open(): Promise<{ warehouse: Warehouse; stage: LocalStage }>;
  close(): Promise<void>;
}

const DEFINITION: ColumnDefinition[] = [
  ['id', 'NUMBER'],
  ['score', 'FLOAT'],
];
const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-wh-contract-'));
  dirs.push(d);
  return d;
};

let fk: FakesnowServer | undefined;
let account: FakesnowAccount | undefined;
let opened: Warehouse | undefined;

const backends: Backend[] = [
  {
    name: 'DuckDB',
    open: async () => {
      const dir = tmp();
      opened = new DuckDBWarehouse(path.join(dir, 'warehouse.duckdb'));
      return { warehouse: opened, stage: new LocalStage(path.join(dir, 'stage')) };
    },
    close: async () => opened?.close(),
  },
  {
    name: 'Snowflake (fakesnow)',
    open: async () => {
      fk = await startFakesnow();
      account = await fakesnowAccount(fk);
      opened = new SnowflakeWarehouse(account.settings);
      return { warehouse: opened, stage: new LocalStage(account.stageDir) };
    },
    close: async () => {
      await opened?.close();
      await account?.close();
      await fk?.stop();
    },
  },
];

afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** One output parquet file of `rows` predictions (ids from `offset`), where scoreChunk would put it. */
async function writeOutput(stage: LocalStage, runId: string, rows: number, offset = 0) {
  const dir = path.join(stage.root, 'runs', runId, 'output', '0');
  fs.mkdirSync(dir, { recursive: true });
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run(
    `COPY (SELECT (i + ${offset})::BIGINT AS id, i / 4.0 AS score FROM range(${rows}) t(i)) TO '${path.join(dir, '000000.parquet')}' (FORMAT parquet)`,
  );
  conn.closeSync();
  db.closeSync();
}

describe.each(backends)('Warehouse contract: $name', (backend) => {
  let warehouse: Warehouse;
  let stage: LocalStage;
  const publish = (runId: string, overrides: Partial<PublishRequest> = {}) =>
    warehouse.publish({
      runId,
      publishId: `${runId}-exec`,
      table: 'CONTRACT_SCORES',
      definition: DEFINITION,
      autoCreateTable: true,
      overwrite: true,
      stage,
      prefix: `runs/${runId}/output`,
      useUtc: true,
      ...overrides,
    });
  const count = async (table = 'CONTRACT_SCORES') => {
    const rows = await warehouse.query(`SELECT count(*) AS n FROM ${table}`);
    return Number(Object.values(rows[0])[0]);
  };

  beforeAll(async () => {
    ({ warehouse, stage } = await backend.open());
  }, 90_000);
  afterAll(() => backend.close());

  it('answers a small query as JSON-safe rows, at most maxRows of them', async () => {
    const rows = await warehouse.query('SELECT 1 AS one UNION ALL SELECT 2 UNION ALL SELECT 3', { maxRows: 2 });
    expect(rows).toHaveLength(2);
  });

  it('rejects bad SQL with a non-retryable QueryError that keeps the statement as a field', async () => {
    const err = await warehouse.query('SELEC nonsense FROM nowhere').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryError);
    expect((err as QueryError).sql).toContain('SELEC nonsense');
    expect((err as QueryError).message).toMatch(/rejected the statement/);
  });

  it('creates the table from the definition, loads the output, and loads nothing when the publish repeats', async () => {
    await writeOutput(stage, 'contract-a', 50);
    expect(await warehouse.tableHasRows('CONTRACT_SCORES')).toBe(false);
    expect(await publish('contract-a')).toMatchObject({ rows: 50, loaded: true });
    expect(await publish('contract-a')).toMatchObject({ loaded: false });
    expect(await count()).toBe(50);
    expect(await warehouse.tableHasRows('CONTRACT_SCORES')).toBe(true);
  });

  it('overwrites the rows in one step, or appends when asked', async () => {
    await writeOutput(stage, 'contract-b', 20, 1000);
    expect(await publish('contract-b')).toMatchObject({ rows: 20, loaded: true });
    expect(await count()).toBe(20);
    await writeOutput(stage, 'contract-c', 5, 2000);
    expect(await publish('contract-c', { overwrite: false })).toMatchObject({ rows: 5, loaded: true });
    expect(await count()).toBe(25);
  });

  it('refuses a missing table when autoCreateTable is false, naming the fix', async () => {
    await writeOutput(stage, 'contract-d', 3);
    await expect(publish('contract-d', { table: 'NO_SUCH_TABLE', autoCreateTable: false })).rejects.toThrow(/autoCreateTable/);
  });
});
