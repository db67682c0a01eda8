// The publish marker's statements. Two attempts of one publish may run at once (a retry after a
// heartbeat timeout while the first still runs); a plain SELECT at READ COMMITTED lets both see "not
// published" and both load. So the marker row is claimed first (committed on its own, no count yet),
// and the transaction's first statement is an UPDATE of that row: Snowflake makes the second
// transaction's UPDATE wait for the first's lock, and the read that follows sees the first's committed
// count. A claim without a count never means "published", so a claim left by a failed attempt is harmless.
import { publishesTable } from './statements.js';

/** Makes sure the marker row exists, outside the transaction (binds: publish id, run id, table name). */
export function claimMarkerSql(schema: string | undefined): string {
  return (
    `MERGE INTO ${publishesTable(schema)} USING (SELECT ? AS CLAIM_ID, ? AS CLAIM_RUN, ? AS CLAIM_TABLE) S ` +
    'ON PUBLISH_ID = S.CLAIM_ID WHEN NOT MATCHED THEN INSERT (PUBLISH_ID, RUN_ID, TABLE_NAME) VALUES (S.CLAIM_ID, S.CLAIM_RUN, S.CLAIM_TABLE)'
  );
}

/** The transaction's first statement: writes the claimed row, so it holds the lock (binds: run id, publish id). */
export function lockMarkerSql(schema: string | undefined): string {
  return `UPDATE ${publishesTable(schema)} SET RUN_ID = ? WHERE PUBLISH_ID = ?`;
}

/** The row count a committed publish recorded (bind: publish id); a claim alone has none. */
export function publishedCountSql(schema: string | undefined): string {
  return `SELECT ROW_COUNT FROM ${publishesTable(schema)} WHERE PUBLISH_ID = ? AND ROW_COUNT IS NOT NULL`;
}

/** Records the rows loaded on the claimed marker (binds: row count, publish id). */
export function completeMarkerSql(schema: string | undefined): string {
  return `UPDATE ${publishesTable(schema)} SET ROW_COUNT = ?, PUBLISHED_AT = CURRENT_TIMESTAMP()::TIMESTAMP_NTZ WHERE PUBLISH_ID = ?`;
}
