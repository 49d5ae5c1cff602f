import { and, eq, getColumns, sql, type InferSelectModel } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Queryable } from './client.js';
import { recordset } from './sql-fragments.js';

/**
 * The rows of `table` with these keys, where `keyColumns` are a unique index: each key is looked up
 * on its own, in a LATERAL subquery with LIMIT 1, against a JSON list of the keys.
 *
 * Why this shape: the statement's text is the same for any number of keys, so it is prepared and
 * planned once per connection; and whatever the table's size when that happened, each key stays
 * one index probe. A plain join or IN against the JSON is planned for a guessed 100 keys, which on
 * a young table is a sequential scan that then stays in the connection's plan as the table grows
 * (the duplicate check of the write path took 5.2 ms a batch that way, against 0.6); a row list
 * `IN ((…), (…))` is a new statement for every number of keys, planned again on every bind.
 *
 * `only` names the columns to read (all by default).
 * With `lock`, each row is locked FOR UPDATE as it is found, in the keys' order: callers that lock
 * sort their keys, so that writers sharing rows take them in one order and never deadlock.
 */
export async function findByKeys<T extends PgTable, K extends keyof InferSelectModel<T> & string = keyof InferSelectModel<T> & string>(
  db: Queryable,
  table: T,
  keyColumns: readonly PgColumn[],
  keys: readonly (readonly unknown[])[],
  options: { lock?: boolean; only?: readonly K[] } = {},
): Promise<Pick<InferSelectModel<T>, K>[]> {
  if (keys.length === 0) return [];
  const wanted = recordset('k', keyColumns, keys, (key, i) => key[i]);
  const matches = and(...keyColumns.map((column) => eq(column, sql`${sql.identifier('k')}.${sql.identifier(column.name)}`)));
  const all = getColumns(table) as Record<string, PgColumn>;
  const columns = options.only ? Object.fromEntries(options.only.map((key) => [key, all[key]!])) : all;
  const one = db.select(columns).from(table as PgTable).where(matches).limit(1);
  const found = (options.lock ? one.for('update') : one).as('found');
  // Selected through Drizzle, so that each column comes back decoded as its type says.
  const rows = await db.select(found._.selectedFields).from(wanted).crossJoinLateral(found);
  return rows as Pick<InferSelectModel<T>, K>[];
}
