import { and, eq, getColumns, getTableName, sql, type InferSelectModel, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Queryable } from './client.js';
import { compiledText, recordset } from './sql-fragments.js';

interface Probe {
  /** `cross join lateral (select … limit 1 [for update]) as "table"`, compiled. */
  lateral: SQL;
  /** The chosen columns read from that lateral, each decoded as its column. */
  fields: Record<string, SQL>;
}

// Per call site (table, key, columns, lock): the same every time, so built once.
const probes = new Map<string, Probe>();

function probeOf(table: PgTable, keyColumns: readonly PgColumn[], columns: Record<string, PgColumn>, lock: boolean): Probe {
  const name = getTableName(table);
  const key = `${name} ${keyColumns.map((column) => column.name).join(',')} ${Object.keys(columns).join(',')}${lock ? ' lock' : ''}`;
  let probe = probes.get(key);
  if (probe === undefined) {
    const alias = sql.identifier(name);
    const matches = and(...keyColumns.map((column) => eq(column, sql`${sql.identifier('k')}.${sql.identifier(column.name)}`)));
    const list = sql.join(Object.values(columns), sql`, `);
    const lateral = compiledText(sql`cross join lateral (select ${list} from ${table} where ${matches} limit 1${sql.raw(lock ? ' for update' : '')}) as ${alias}`);
    // Read as SQL named after the table's columns and decoded by them: Drizzle refuses a table's
    // own columns from a source that is not that table.
    const fields = Object.fromEntries(
      Object.entries(columns).map(([field, column]) => [field, sql`${alias}.${sql.identifier(column.name)}`.mapWith(column)]),
    );
    probe = { lateral, fields };
    probes.set(key, probe);
  }
  return probe;
}

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
  const all = getColumns(table) as Record<string, PgColumn>;
  const columns = options.only ? Object.fromEntries(options.only.map((key) => [key, all[key]!])) : all;
  const { lateral, fields } = probeOf(table, keyColumns, columns, options.lock ?? false);
  const rows = await db.select(fields).from(sql`${recordset('k', keyColumns, keys, (key, i) => key[i])} ${lateral}`);
  return rows as unknown as Pick<InferSelectModel<T>, K>[];
}
