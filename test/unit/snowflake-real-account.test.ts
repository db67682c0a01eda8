// Pure parts of the Snowflake backend that no emulator here exercises as a real account would: the
// TZ/LTZ projection, DETAILED_OUTPUT reading, file batches of a load, SQLSTATE classification, names.
import { describe, expect, it } from 'vitest';
import { NonRetryableError } from '../../src/nonRetryableError.js';
import { QueryError } from '../../src/adapters/warehouse/errors.js';
import { classify } from '../../src/adapters/warehouse/snowflake/connection.js';
import { loadStatements, MAX_FILES_PER_COPY } from '../../src/adapters/warehouse/snowflake/loadStatements.js';
import { sfIdentifier, SnowflakeNameError } from '../../src/adapters/warehouse/snowflake/names.js';
import { NoActiveWarehouseError, StatementTimeoutError } from '../../src/adapters/warehouse/snowflake/retryClassification.js';
import { projectForParquet, sfExactIdentifier, unloadExpression } from '../../src/adapters/warehouse/snowflake/typeMapping.js';
import { checkStageMatches, StageMismatchError, stageUrlFromDescribe } from '../../src/adapters/warehouse/snowflake/stageCheck.js';
import { stagedFilesFromUnload, UnloadOutputError } from '../../src/adapters/warehouse/snowflake/unloadOutput.js';

describe('TIMESTAMP_TZ/LTZ projection for parquet unloads', () => {
  const cols = [
    { name: 'ID', type: 'fixed' },
    { name: 'CREATED', type: 'timestamp_tz' },
    { name: 'seen at', type: 'timestamp_ltz' },
    { name: 'DAY', type: 'timestamp_ntz' },
  ];
  it('casts TZ and LTZ to NTZ, in UTC with useUtc, and leaves other columns as they are', () => {
    expect(unloadExpression(cols[1], true)).toBe(`CONVERT_TIMEZONE('UTC', "CREATED")::TIMESTAMP_NTZ AS "CREATED"`);
    expect(unloadExpression(cols[2], false)).toBe(`"seen at"::TIMESTAMP_NTZ AS "seen at"`);
    expect(unloadExpression(cols[3], true)).toBe('"DAY"');
    expect(projectForParquet('SELECT 1', cols, true)).toBe(
      `SELECT "ID", CONVERT_TIMEZONE('UTC', "CREATED")::TIMESTAMP_NTZ AS "CREATED", CONVERT_TIMEZONE('UTC', "seen at")::TIMESTAMP_NTZ AS "seen at", "DAY" FROM (\nSELECT 1\n)`,
    );
  });
  it('keeps the query unchanged when no column needs it, and quotes names exactly', () => {
    expect(projectForParquet('SELECT ID FROM T', [cols[0], cols[3]], true)).toBe('SELECT ID FROM T');
    expect(sfExactIdentifier('Mixed"Case')).toBe('"Mixed""Case"');
  });
});

describe('DETAILED_OUTPUT rows of an unload', () => {
  it('reads FILE_NAME, FILE_SIZE and ROW_COUNT in any case', () => {
    const upper = stagedFilesFromUnload(
      [{ FILE_NAME: 'runs/r/input/data_0_0_1.snappy.parquet', FILE_SIZE: 10, ROW_COUNT: 3 }],
      'runs/r/input',
    );
    const lower = stagedFilesFromUnload(
      [
        { file_name: 'data_0_0_1.snappy.parquet', file_size: '20', row_count: '4' },
        { file_name: 'data_0_0_0.snappy.parquet', file_size: '10', row_count: '3' },
      ],
      'runs/r/input',
    );
    expect(upper).toEqual([{ key: 'runs/r/input/data_0_0_1.snappy.parquet', bytes: 10, rows: 3 }]);
    expect(lower.map((f) => [f.key, f.bytes, f.rows])).toEqual([
      ['runs/r/input/data_0_0_0.snappy.parquet', 10, 3],
      ['runs/r/input/data_0_0_1.snappy.parquet', 20, 4],
    ]);
  });
  it('accepts an empty result (no files) and fails when rows were unloaded but no file is named', () => {
    expect(stagedFilesFromUnload([], 'p')).toEqual([]);
    expect(stagedFilesFromUnload([{ rows_unloaded: 0, input_bytes: 0, output_bytes: 0 }], 'p')).toEqual([]);
    const err = (() => {
      try {
        return stagedFilesFromUnload([{ rows_unloaded: 42, input_bytes: 100, output_bytes: 80 }], 'p');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UnloadOutputError);
    expect(err).toBeInstanceOf(NonRetryableError);
    expect(err).toMatchObject({ rowsReported: 42, columns: ['rows_unloaded', 'input_bytes', 'output_bytes'] });
  });
});

describe('load statements', () => {
  const keys = (n: number) => Array.from({ length: n }, (_, i) => `runs/r/output/${i % 3}/${String(i).padStart(6, '0')}.parquet`);
  it('names exactly the listed files, at most 1,000 per COPY statement', () => {
    const statements = loadStatements('T', 'ST', 'runs/r/output', keys(2_500));
    expect(MAX_FILES_PER_COPY).toBe(1000);
    expect(statements).toHaveLength(3);
    const counts = statements.map((s) => /FILES = \(([^)]*)\)/.exec(s)![1].split(', ').length);
    expect(counts).toEqual([1000, 1000, 500]);
    expect(statements[0]).toMatch(/^COPY INTO "T" FROM '@ST\/runs\/r\/output\/' FILES = \('0\/000000\.parquet', '1\/000001\.parquet', /);
    expect(statements[0]).toContain('FILE_FORMAT = (TYPE = PARQUET USE_LOGICAL_TYPE = TRUE)');
    expect(loadStatements('T', 'ST', 'runs/r/output', [])).toEqual([]);
  });
  it('refuses a key outside the prefix or with characters a quoted name cannot carry', () => {
    expect(() => loadStatements('T', 'ST', 'runs/r/output', ['runs/other/x.parquet'])).toThrow(
      /not a plain file name under runs\/r\/output\//,
    );
    expect(() => loadStatements('T', 'ST', 'runs/r/output', ["runs/r/output/a'b.parquet"])).toThrow(NonRetryableError);
  });
});

describe('retry classification by SQLSTATE', () => {
  const driverError = (message: string, code: string, sqlState: string) => Object.assign(new Error(message), { code, sqlState });
  it('makes statement timeouts and a missing warehouse non-retryable, with the fix', () => {
    const timeout = classify(driverError('SQL execution canceled', '000604', '57014'), 'SELECT 1');
    expect(timeout).toBeInstanceOf(StatementTimeoutError);
    expect(timeout).toBeInstanceOf(QueryError);
    expect(timeout.message).toMatch(/STATEMENT_TIMEOUT_IN_SECONDS/);
    const noWarehouse = classify(driverError('No active warehouse selected in the current session.', '000606', '57P03'), 'SELECT 1');
    expect(noWarehouse).toBeInstanceOf(NoActiveWarehouseError);
    expect(noWarehouse.message).toMatch(/SNOWFLAKE_WAREHOUSE/);
  });
  it('still leaves network and session faults retryable', () => {
    const dropped = classify(driverError('Network error', '401001', ''), 'SELECT 1');
    expect(dropped).not.toBeInstanceOf(NonRetryableError);
    expect(dropped.name).toBe('SnowflakeTransientError');
  });
});

describe('names', () => {
  it('refuses a column that is not a plain identifier with a non-retryable error saying to alias it', () => {
    const err = (() => {
      try {
        return sfIdentifier('count_star()');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SnowflakeNameError);
    expect(err).toBeInstanceOf(NonRetryableError);
    expect(err).toMatchObject({ kind: 'identifier', value: 'count_star()' });
    expect((err as Error).message).toMatch(/alias an expression column/);
  });
});

describe('SNOWFLAKE_STAGE against BATCH_STAGE (DESC STAGE at worker start)', () => {
  const desc = (url: string) => [
    { parent_property: 'STAGE_FILE_FORMAT', property: 'TYPE', property_type: 'String', property_value: 'CSV', property_default: 'CSV' },
    { parent_property: 'STAGE_LOCATION', property: 'URL', property_type: 'String', property_value: url, property_default: '' },
  ];
  it('accepts the same S3 location, trailing slash aside', () => {
    expect(stageUrlFromDescribe(desc('["s3://bucket/batch/"]'))).toBe('s3://bucket/batch/');
    expect(() => checkStageMatches('BATCH_STAGE', desc('["s3://bucket/batch/"]'), 's3://bucket/batch')).not.toThrow();
  });
  it('refuses another URL and an internal stage, saying how to fix it', () => {
    expect(() => checkStageMatches('BATCH_STAGE', desc('["s3://bucket/other/"]'), 's3://bucket/batch')).toThrow(
      /SNOWFLAKE_STAGE BATCH_STAGE points at s3:\/\/bucket\/other\/, but BATCH_STAGE is s3:\/\/bucket\/batch/,
    );
    let err: unknown;
    try {
      checkStageMatches('BATCH_STAGE', desc(''), 's3://bucket/batch');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StageMismatchError);
    expect(err).toMatchObject({ stage: 'BATCH_STAGE', stageUrl: undefined, batchStage: 's3://bucket/batch' });
    expect((err as Error).message).toMatch(/is an internal stage/);
  });
});
