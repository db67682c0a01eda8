// The demo's source table: 1,000,000 rows over two ds dates, with NULLs in both features,
// made by DuckDB from a formula so every run sees the same data.
import type { Warehouse } from '../../adapters/warehouse/warehouse.js';
import { DuckDBWarehouse } from '../../adapters/warehouse/duckdb/duckdbWarehouse.js';
import { quoteIdentifier } from '../../spec/identifiers.js';
import { UsageError } from './usage.js';

export async function createDemoTable(warehouse: Warehouse, schema: string, rows = 1_000_000): Promise<void> {
  if (!(warehouse instanceof DuckDBWarehouse)) {
    throw new UsageError('The demo creates its data in the embedded DuckDB warehouse: unset BATCH_WAREHOUSE or set it to duckdb:<file>');
  }
  const s = quoteIdentifier(schema);
  await warehouse.withConnection(async (conn) => {
    await conn.run(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await conn.run(`CREATE OR REPLACE TABLE ${s}.model_features AS
      SELECT i::BIGINT AS id,
        CASE WHEN i % 13 = 0 THEN NULL ELSE ((i * 7919) % 10007) / 10007.0 END::DOUBLE AS feature_1,
        CASE WHEN i % 17 = 0 THEN NULL ELSE ((i * 104729) % 9973) / 9973.0 END::DOUBLE AS feature_2,
        CASE WHEN i % 2 = 0 THEN '2026-02-26' ELSE '2026-02-25' END AS ds
      FROM range(${rows}) r(i)`);
  });
}
