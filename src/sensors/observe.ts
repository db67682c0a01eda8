// What a sensor sees when it looks at its source: the value a run receives as {payloadKey}, and a
// fingerprint compared with the last check. A missing object or an empty result is a value too.
import { createHash } from 'node:crypto';
import { S3AccessError, type ObjectMeta, type ObjectMetadataSource } from '../adapters/stage/s3/s3Objects.js';
import type { Warehouse } from '../adapters/warehouse/warehouse.js';
import type { Observation, SensorSource } from './types.js';
import { renderSql } from '../spec/template.js';
import { SensorSourceError } from './errors.js';
import { UNSAFE_IN_SQL } from '../spec/sqlValues.js';
import { QueryRefusedError } from '../adapters/warehouse/errors.js';

/** A payload is inserted into SQL and kept in memos: it must stay short. */
export const MAX_VALUE_LENGTH = 2_000;
/** Rows of a query sensor's result that count toward its fingerprint. */
const MAX_QUERY_ROWS = 1_000;

export interface ObserveDeps {
  warehouse: Warehouse;
  objects?: ObjectMetadataSource;
  /** What {schema} in a sensor query resolves to. */
  schema: string;
}

/** An unreadable bucket is the sensor's source error: the check fails visibly, the Schedule stays on. */
function asSourceError(err: unknown): never {
  throw err instanceof S3AccessError ? new SensorSourceError(err.message, { cause: err }) : err;
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

export async function observeSource(sensor: string, source: SensorSource, deps: ObserveDeps): Promise<Observation> {
  const observation = source.type === 's3' ? await observeS3(source, deps).catch(asSourceError) : await observeQuery(sensor, source, deps);
  if (UNSAFE_IN_SQL.test(observation.value)) {
    // The value is pasted into the run's SQL as {payloadKey}: whoever can write the watched source
    // (an object key, a table value) must not be able to write SQL with the worker's credentials.
    throw new SensorSourceError(
      `the watched value ${JSON.stringify(observation.value.slice(0, 200))} holds quotes, semicolons, backslashes, comment markers or control characters, which cannot go into the run's SQL; watch a value without them`,
    );
  }
  if (observation.value.length > MAX_VALUE_LENGTH) {
    throw new SensorSourceError(
      `the watched value is ${observation.value.length} characters long (at most ${MAX_VALUE_LENGTH}); watch something shorter, e.g. SELECT MAX(ds)`,
    );
  }
  return observation;
}

/** The value is the first column of the first row (NULL or no rows: ""); the fingerprint covers every row. */
async function observeQuery(sensor: string, source: Extract<SensorSource, { query: string }>, deps: ObserveDeps): Promise<Observation> {
  const describe = deps.warehouse.describe();
  if (!describe.toLowerCase().startsWith(source.type)) {
    throw new SensorSourceError(
      `the sensor watches a ${source.type} query but this worker's warehouse is ${describe}; set BATCH_WAREHOUSE on the worker or change data.type`,
    );
  }
  const sql = renderSql(source.query, { schema: deps.schema }).sql.trim().replace(/;\s*$/, '');
  try {
    await deps.warehouse.checkReadOnlyQuery(sql, { field: 'data.query', warehouse: source.warehouse });
  } catch (err) {
    if (err instanceof QueryRefusedError) throw new SensorSourceError(err.message);
    throw err;
  }
  const rows = await deps.warehouse.query(sql, {
    maxRows: MAX_QUERY_ROWS,
    warehouse: source.warehouse,
    tag: `batch-inference sensor ${sensor}`,
  });
  const first = rows[0] ? Object.values(rows[0])[0] : undefined;
  const value = cellText(first);
  return {
    value,
    fingerprint: sha(JSON.stringify(rows)),
    summary: rows.length ? `${plural(rows.length, 'row')}, first value "${value}"` : 'no rows',
  };
}

function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'object') return JSON.stringify(cell);
  return String(cell);
}

async function observeS3(source: Extract<SensorSource, { type: 's3' }>, deps: ObserveDeps): Promise<Observation> {
  if (!deps.objects) throw new SensorSourceError('this worker has no S3 client; configure AWS_* on the worker');
  const where = `s3://${source.bucket}/${source.key}`;
  if (source.checkMode === 'files_metadata') {
    const objects = await deps.objects.list(source.bucket, source.key);
    const bytes = objects.reduce((sum, o) => sum + o.size, 0);
    return {
      // The newest object under the prefix: usually the file whose arrival is the event.
      value: newest(objects)?.key ?? '',
      fingerprint: sha(objects.map((o) => `${o.key}\t${o.size}\t${o.etag ?? ''}`).join('\n')),
      summary: objects.length ? `${plural(objects.length, 'object')}, ${plural(bytes, 'byte')} under ${where}` : `nothing under ${where}`,
    };
  }
  const object = await deps.objects.head(source.bucket, source.key);
  if (!object) return { value: '', fingerprint: sha('missing'), summary: `${where} is missing` };
  if (source.checkMode === 'file_size') {
    return { value: String(object.size), fingerprint: sha(`size:${object.size}`), summary: `${where}: ${plural(object.size, 'byte')}` };
  }
  const modified = object.lastModified ?? '';
  return { value: modified, fingerprint: sha(`modified:${modified}`), summary: `${where}: modified ${modified}` };
}

function newest(objects: ObjectMeta[]): ObjectMeta | undefined {
  let best: ObjectMeta | undefined;
  for (const o of objects) {
    const t = o.lastModified ?? '';
    const bt = best?.lastModified ?? '';
    if (!best || t > bt || (t === bt && o.key > best.key)) best = o;
  }
  return best;
}
