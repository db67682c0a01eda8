// Job spec validation and SQL templating (src/spec): every problem named with its field and fix.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../src/spec/errors.js';
import { resolveSpec, type ResolveOptions } from '../../src/spec/jobSpec.js';
import { renderSql } from '../../src/spec/template.js';

const options: ResolveOptions = {
  schema: 'dev',
  defaultParallelism: 4,
  maxSplits: 100,
  predictors: ['linear-demo'],
  readSqlFile: (p) => fs.readFileSync(p, 'utf8'),
};

const valid = {
  inputQuery: 'SELECT id, feature_1 FROM {schema}.model_features',
  outputTableName: 'MODEL_PREDICTIONS_DAILY',
  predictor: 'linear-demo',
};

function problems(spec: unknown, opts: Partial<ResolveOptions> = {}): Record<string, string> {
  try {
    resolveSpec(spec, { ...options, ...opts });
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return Object.fromEntries((err as SpecError).problems.map((p) => [p.field, p.message]));
  }
  throw new Error('expected a SpecError');
}

describe('resolveSpec', () => {
  it('applies the documented defaults', () => {
    const spec = resolveSpec(valid, options);
    expect(spec).toMatchObject({
      renderedQuery: 'SELECT id, feature_1 FROM dev.model_features',
      parallelWorkers: 4,
      batchSizeInMb: 256,
      timeoutPerBatch: 300,
      heartbeatTimeout: 60,
      retries: 3,
      autoCreateTable: true,
      overwrite: true,
      useUtc: true,
    });
  });

  it('lists every bad field at once', () => {
    const found = problems({
      ...valid,
      inputQuery: 'SELECT * FROM {schema}.t WHERE r = {region}',
      predictor: 'nope',
      parallelWorkers: 0,
      batchSizeInMb: -1,
      timeoutPerBatch: 1.5,
      overwrite: 'yes',
      outputTableDefinition: [
        ['id', 'NUMBER'],
        ['score', 'FLAOT'],
        ['bad name', 'FLOAT'],
        ['ID', 'INT'],
      ],
    });
    expect(Object.keys(found).sort()).toEqual([
      'batchSizeInMb',
      'inputQuery',
      'outputTableDefinition.1.type',
      'outputTableDefinition.2.name',
      'outputTableDefinition.3.name',
      'overwrite',
      'parallelWorkers',
      'predictor',
      'timeoutPerBatch',
    ]);
    expect(found['outputTableDefinition.1.type']).toMatch(/unknown type "FLAOT"; use NUMBER/);
    expect(found['outputTableDefinition.2.name']).toMatch(/not a valid column name/);
    expect(found['outputTableDefinition.3.name']).toMatch(/listed twice/);
    expect(found.inputQuery).toMatch(/unknown placeholder \{region\}/);
  });

  it('names missing required fields', () => {
    const found = problems({ ctx: {} });
    expect(found).toMatchObject({ inputQuery: 'required', outputTableName: 'required' });
    // predictor or model (a registered model): the message names both.
    expect(found.predictor).toMatch(/"model": "churn".*"predictor": "linear-demo"/);
  });

  it('points snake_case fields to their camelCase names and rejects unknown ones', () => {
    const found = problems({ ...valid, parallel_workers: 8, colour: 'blue' });
    expect(found.parallel_workers).toBe('unknown field; did you mean "parallelWorkers"?');
    expect(found.colour).toBe('unknown field; remove it');
  });

  it('rejects table names that could inject SQL', () => {
    for (const name of ['x; DROP TABLE y', 'a"b', 'db.schema.table.extra', "t' OR '1'='1", '']) {
      expect(problems({ ...valid, outputTableName: name })).toHaveProperty('outputTableName');
    }
    expect(resolveSpec({ ...valid, outputTableName: 'analytics.scores$v2' }, options).outputTableName).toBe('analytics.scores$v2');
  });

  it('checks the predictor against the worker registry, and parallelWorkers against the split limit', () => {
    const found = problems({ ...valid, predictor: 'nope', parallelWorkers: 101 });
    expect(found.predictor).toMatch(/unknown predictor "nope"; registered: linear-demo/);
    expect(found.parallelWorkers).toMatch(/above the limit of 100.*BATCH_MAX_SPLITS/);
    // A client does not know the worker's predictors: the check is skipped when none are given.
    expect(resolveSpec({ ...valid, predictor: 'nope' }, { ...options, predictors: undefined }).predictor).toBe('nope');
  });

  it('accepts column definitions as tuples or objects', () => {
    const spec = resolveSpec({ ...valid, outputTableDefinition: [['id', 'NUMBER(38,0)'], { name: 'score', type: 'float' }] }, options);
    expect(spec.outputTableDefinition).toEqual([
      ['id', 'NUMBER(38,0)'],
      ['score', 'float'],
    ]);
  });

  it('accepts a JSON string (as the Temporal CLI may pass) and rejects a non-JSON one', () => {
    expect(resolveSpec(JSON.stringify(valid), options).predictor).toBe('linear-demo');
    expect(problems('not json')).toHaveProperty('(spec)');
  });
});

describe('SQL templating', () => {
  it('treats {name} and {{name}} alike and fills ctx values', () => {
    expect(renderSql('SELECT * FROM {{schema}}.t WHERE ds = {ds} AND n > {{ n }}', { schema: 'dev', ds: "'2026-02-26'", n: 3 })).toEqual({
      sql: "SELECT * FROM dev.t WHERE ds = '2026-02-26' AND n > 3",
      unknown: [],
    });
  });

  it('resolves {schema} from the environment (dev / prod)', () => {
    const prod = resolveSpec(valid, { ...options, schema: 'PROD_SCHEMA' });
    expect(prod.renderedQuery).toBe('SELECT id, feature_1 FROM PROD_SCHEMA.model_features');
  });

  it('lets ctx override nothing it does not name, and reports unknown placeholders before any query', () => {
    const found = problems({
      ...valid,
      inputQuery: "SELECT * FROM {schema}.t WHERE ds = '{ds}' AND r = {{region}}",
      ctx: { ds: '2026-02-26' },
    });
    expect(found.inputQuery).toMatch(/unknown placeholder \{region\}; add "region" to ctx/);
  });

  it('leaves SQL braces that are not placeholders alone', () => {
    expect(renderSql(`SELECT '{"a": 1}'::JSON, {'k': 1} AS s`, {}).unknown).toEqual([]);
  });

  it('reads inputQuery from a .sql file', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bi-sql-')), 'q.sql');
    fs.writeFileSync(file, "SELECT id FROM {{schema}}.model_features WHERE ds = '{ds}';\n");
    const spec = resolveSpec({ ...valid, inputQuery: file, ctx: { ds: '2026-02-25' } }, options);
    expect(spec.renderedQuery).toBe("SELECT id FROM dev.model_features WHERE ds = '2026-02-25'");
    expect(problems({ ...valid, inputQuery: '/nope/missing.sql' }).inputQuery).toMatch(/cannot read SQL file/);
  });
});
