// SNOWFLAKE_STAGE must be the place BATCH_STAGE names: an internal stage, or an external one over
// another URL, lets the unload succeed while workers find nothing under BATCH_STAGE. The worker reads
// the stage's URL from DESC STAGE at start (rows parent_property, property, property_type,
// property_value, property_default: Snowflake's DESCRIBE STAGE reference) and refuses to start on a mismatch.
import { NonRetryableError } from '../../../nonRetryableError.js';
import type { Row } from './connection.js';

export class StageMismatchError extends NonRetryableError {
  constructor(
    readonly stage: string,
    readonly stageUrl: string | undefined,
    readonly batchStage: string,
  ) {
    super(
      stageUrl
        ? `SNOWFLAKE_STAGE ${stage} points at ${stageUrl}, but BATCH_STAGE is ${batchStage}: ` +
            `make them the same S3 location (CREATE OR REPLACE STAGE ${stage} URL = '${batchStage}/' …) or change BATCH_STAGE`
        : `SNOWFLAKE_STAGE ${stage} is an internal stage (no URL), but workers read BATCH_STAGE ${batchStage}: ` +
            `use an external stage over it (CREATE STAGE ${stage} URL = '${batchStage}/' STORAGE_INTEGRATION = …)`,
    );
  }
}

const value = (row: Row, key: string) => row[Object.keys(row).find((k) => k.toLowerCase() === key) ?? key];

/** The URL of a stage from its DESC STAGE rows, or undefined for an internal stage. */
export function stageUrlFromDescribe(rows: Row[]): string | undefined {
  const url = rows.find(
    (r) => String(value(r, 'parent_property')).toUpperCase() === 'STAGE_LOCATION' && String(value(r, 'property')).toUpperCase() === 'URL',
  );
  const raw = String(url ? (value(url, 'property_value') ?? '') : '').trim();
  if (!raw) return undefined;
  // The value is a JSON list (["s3://bucket/prefix/"]) on Snowflake; a plain string is accepted too.
  let first = raw;
  try {
    const parsed: unknown = JSON.parse(raw);
    first = Array.isArray(parsed) ? String(parsed[0] ?? '') : String(parsed);
  } catch {
    // not JSON: the plain string
  }
  return first || undefined;
}

const normalize = (url: string) => url.trim().replace(/\/+$/, '');

/** Throws StageMismatchError unless the stage's URL is BATCH_STAGE (trailing slashes aside). */
export function checkStageMatches(stage: string, describeRows: Row[], batchStage: string): void {
  const url = stageUrlFromDescribe(describeRows);
  if (!url || normalize(url) !== normalize(batchStage)) throw new StageMismatchError(stage, url, batchStage);
}
