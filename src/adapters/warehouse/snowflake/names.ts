// Snowflake names. Specs give names validated against IDENTIFIER / QUALIFIED_NAME; here they are
// upper-cased and double-quoted, which is exactly what Snowflake does to an unquoted name, so
// `model_predictions` and `MODEL_PREDICTIONS` are one table and nothing can break out of the quotes.
import { NonRetryableError } from '../../../nonRetryableError.js';
import { IDENTIFIER, QUALIFIED_NAME } from '../../../spec/identifiers.js';

/**
 * A name that is not a plain identifier (an unaliased `COUNT(*)` column, a quote in a table name): a
 * retry cannot fix it, so it is non-retryable and says what to change.
 */
export class SnowflakeNameError extends NonRetryableError {
  constructor(
    readonly kind: 'identifier' | 'table name',
    readonly value: string,
  ) {
    super(
      `Not a valid Snowflake ${kind}: ${JSON.stringify(value)}; use letters, digits, _ and $ ` +
        `(${kind === 'identifier' ? 'alias an expression column, e.g. COUNT(*) AS n' : 'db.schema.table at most'})`,
    );
  }
}

export function sfIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new SnowflakeNameError('identifier', name);
  return `"${name.toUpperCase()}"`;
}

export function sfQualified(name: string): string {
  if (!QUALIFIED_NAME.test(name)) throw new SnowflakeNameError('table name', name);
  return name.split('.').map(sfIdentifier).join('.');
}

/** The schema part of db.schema.table (quoted), or undefined for a bare table name. */
export function sfSchemaOf(table: string): string | undefined {
  const parts = table.split('.');
  return parts.length > 1 ? sfQualified(parts.slice(0, -1).join('.')) : undefined;
}

/** Characters a run id or stage key may have: Schedule-started run ids carry ':' (…-2026-02-26T06:00:00Z). */
const STAGE_PATH = /^[A-Za-z0-9_\-./=:@+]+$/;

/** A stage path that a Snowflake location cannot carry (a run id with quotes or backslashes). */
export class StageLocationError extends NonRetryableError {}

/**
 * `'@STAGE/some/prefix/'`: the stage name is validated by config, the path holds plain characters
 * only (no quote or backslash), and the whole location is single-quoted, as Snowflake asks for
 * locations with special characters.
 */
export function sfStageLocation(stage: string, prefix: string): string {
  if (!QUALIFIED_NAME.test(stage)) throw new Error(`Not a valid Snowflake stage name: ${JSON.stringify(stage)}`);
  if (!STAGE_PATH.test(prefix) || prefix.split('/').includes('..')) {
    throw new StageLocationError(
      `Stage path ${JSON.stringify(prefix)} has characters a stage location cannot carry (use letters, digits and _ - . / = : @ +)`,
    );
  }
  return `'@${stage}/${prefix.replace(/\/+$/, '')}/'`;
}
