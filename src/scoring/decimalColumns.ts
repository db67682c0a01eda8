// How a DECIMAL column reaches predictors. Snowflake unloads every NUMBER (ids, counts: NUMBER(38,0))
// as parquet DECIMAL; read as DOUBLE, integers above 2^53 would change value. So integer decimals
// become BIGINT: DECIMAL(p,0) with p <= 18 always fits, wider ones are cast when each value fits and
// fail naming the column when one does not, never rounded. Fractional decimals stay DOUBLE.
import { quoteIdentifier } from '../spec/identifiers.js';

/** The largest precision whose every value fits a BIGINT (10^18 - 1 < 2^63). */
export const BIGINT_SAFE_PRECISION = 18;

export function decimalExpression(name: string, width: number, scale: number): string {
  const col = quoteIdentifier(name);
  if (scale > 0) return `CAST(${col} AS DOUBLE) AS ${col}`;
  if (width <= BIGINT_SAFE_PRECISION) return `CAST(${col} AS BIGINT) AS ${col}`;
  const message = `column ${name} holds an integer beyond BIGINT (±9.2e18); cast it in inputQuery, e.g. ${name}::VARCHAR or ${name}::FLOAT`;
  // TRY_CAST is NULL only on overflow (or NULL input), so that case and no other raises the error.
  return (
    `CASE WHEN ${col} IS NOT NULL AND TRY_CAST(${col} AS BIGINT) IS NULL ` +
    `THEN error('${message.replace(/'/g, "''")}') ELSE TRY_CAST(${col} AS BIGINT) END AS ${col}`
  );
}
