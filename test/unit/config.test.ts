// The environment → Config: production settings are checked before a worker starts, and each
// problem names the variable and what to set.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const SNOWFLAKE = {
  BATCH_WAREHOUSE: 'snowflake',
  BATCH_STAGE: 's3://bucket/batch',
  SNOWFLAKE_ACCOUNT: 'myorg-acct',
  SNOWFLAKE_USER: 'svc',
  SNOWFLAKE_PASSWORD: 'pw',
  SNOWFLAKE_STAGE: 'BATCH_STAGE',
};

describe('config', () => {
  it('defaults to the embedded DuckDB file and stage folder', () => {
    const c = loadConfig({});
    expect(c.warehouse).toEqual({ kind: 'duckdb', path: '.data/warehouse.duckdb' });
    expect(c.stage).toEqual({ kind: 'file', root: '.data/stage' });
    expect(c.s3).toMatchObject({ region: 'us-east-1', forcePathStyle: false, credentials: undefined });
  });

  it('reads S3 settings from the standard AWS variables; a custom endpoint means path-style buckets', () => {
    const c = loadConfig({
      BATCH_STAGE: 's3://bucket/prefix',
      AWS_ENDPOINT_URL: 'http://localhost:9000',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'k',
      AWS_SECRET_ACCESS_KEY: 's',
    });
    expect(c.stage).toEqual({ kind: 's3', url: 's3://bucket/prefix' });
    expect(c.s3).toEqual({
      region: 'eu-west-1',
      endpoint: 'http://localhost:9000',
      forcePathStyle: true,
      credentials: { accessKeyId: 'k', secretAccessKey: 's', sessionToken: undefined },
    });
  });

  it('builds the Snowflake connection, with another endpoint from SNOWFLAKE_HOST/PORT/PROTOCOL', () => {
    const c = loadConfig({
      ...SNOWFLAKE,
      SNOWFLAKE_HOST: 'localhost',
      SNOWFLAKE_PORT: '8080',
      SNOWFLAKE_PROTOCOL: 'http',
      SNOWFLAKE_ROLE: 'SCORER',
    });
    expect(c.warehouse).toMatchObject({
      kind: 'snowflake',
      account: 'myorg-acct',
      username: 'svc',
      password: 'pw',
      role: 'SCORER',
      stage: 'BATCH_STAGE',
      accessUrl: 'http://localhost:8080',
      poolSize: 4,
    });
    expect(loadConfig({ ...SNOWFLAKE, SNOWFLAKE_PASSWORD: undefined, SNOWFLAKE_PRIVATE_KEY_PATH: '/keys/rsa.p8' }).warehouse).toMatchObject(
      { privateKeyPath: '/keys/rsa.p8', password: undefined },
    );
  });

  it('names every missing Snowflake setting and the fix', () => {
    const err = (() => {
      try {
        loadConfig({ BATCH_WAREHOUSE: 'snowflake', BATCH_STAGE: 'file:.data/stage' });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.message).toMatch(/SNOWFLAKE_ACCOUNT: required with BATCH_WAREHOUSE=snowflake/);
    expect(err!.message).toMatch(/SNOWFLAKE_USER: required/);
    expect(err!.message).toMatch(/SNOWFLAKE_STAGE: required .* a stage whose URL is the BATCH_STAGE S3 location/);
    expect(err!.message).toMatch(/SNOWFLAKE_PASSWORD: set SNOWFLAKE_PASSWORD or SNOWFLAKE_PRIVATE_KEY_PATH/);
    expect(err!.message).toMatch(/BATCH_STAGE: Snowflake unloads to and loads from S3/);
  });

  it('refuses names that are not plain identifiers', () => {
    expect(() => loadConfig({ ...SNOWFLAKE, SNOWFLAKE_WAREHOUSE: 'WH; DROP TABLE X' })).toThrow(
      /SNOWFLAKE_WAREHOUSE: use a warehouse name/,
    );
    expect(() => loadConfig({ ...SNOWFLAKE, SNOWFLAKE_STAGE: '@stage' })).toThrow(/SNOWFLAKE_STAGE: use the name of a stage/);
  });

  it('bounds what a Python model archive unpacks to, 2048 MiB and 10000 entries unless set', () => {
    expect(loadConfig({}).modelUnpack).toEqual({ maxMb: 2048, maxFiles: 10_000 });
    expect(loadConfig({ BATCH_MODEL_UNPACK_MB: '64', BATCH_MODEL_UNPACK_FILES: '50' }).modelUnpack).toEqual({ maxMb: 64, maxFiles: 50 });
    expect(() => loadConfig({ BATCH_MODEL_UNPACK_MB: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ BATCH_MODEL_UNPACK_FILES: 'lots' })).toThrow(/BATCH_MODEL_UNPACK_FILES/);
  });
});
