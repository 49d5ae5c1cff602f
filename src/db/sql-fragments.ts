import { sql, type Column, type SQL } from 'drizzle-orm';

/** `(a, b), (c, d)`: the right-hand side of a row-value IN, or the rows of a VALUES list. */
export const tuples = (rows: SQL[][]): SQL => sql.join(rows.map((row) => sql`(${sql.join(row, sql`, `)})`), sql`, `);

/** The rows of `db.execute`, which postgres.js answers as an array and PGlite as `{ rows }`. */
export const executedRows = <Row>(result: unknown): Row[] => (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Row[];

/**
 * `(app, room) in (…)` for a list of room keys, sent as one JSON parameter: the statement's text
 * is the same for any number of rooms, so PostgreSQL plans it once per connection, where a row
 * list of 50 pairs cost more to plan than to run (BENCHMARKS.md, history) and one of 500 took
 * 117–142 ms to plan against 1.4 ms for this (EXPLAIN ANALYZE over 100,000 rooms). The JSON goes
 * over as text: typed json, the driver would encode it again.
 */
export function roomKeyIn(app: Column, room: Column, keys: readonly { appId: string; roomId: string }[]): SQL {
  const wanted = JSON.stringify(keys.map((key) => ({ app_id: key.appId, room_id: key.roomId })));
  return sql`(${app}, ${room}) in (select k.app_id, k.room_id from json_to_recordset(${wanted}::text::json) as k(app_id text, room_id text))`;
}
