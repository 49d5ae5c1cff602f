import { getColumnTable, getTableName, sql, type SQL } from 'drizzle-orm';
import { PgDialect, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';

/** `(a, b), (c, d)`: the right-hand side of a row-value IN, or the rows of a VALUES list. */
export const tuples = (rows: SQL[][]): SQL => sql.join(rows.map((row) => sql`(${sql.join(row, sql`, `)})`), sql`, `);

/** The rows of `db.execute`, which postgres.js answers as an array and PGlite as `{ rows }`. */
export const executedRows = <Row>(result: unknown): Row[] => (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Row[];

/*
 * Lists of rows or keys travel as one JSON text parameter that PostgreSQL unpacks with
 * json_to_recordset, typed as the columns they are for. The statement's text is then the same
 * for one row or sixty-four: each connection parses and plans it once and runs it by name after,
 * and the drivers bind one parameter instead of one per value. Written out as `VALUES` or
 * `IN ((…), (…))`, every batch size was a statement of its own, planned again on every bind
 * (BENCHMARKS.md, ingest; a row list of 500 room keys took 117–142 ms to plan against 1.4 ms for
 * the JSON, EXPLAIN ANALYZE over 100,000 rooms). The JSON goes over as text: typed json, the
 * driver would encode it again.
 * Keys joined against JSON are planned for a guessed 100 rows: fine for room keys (a room view or
 * the catch-up sweep asks for many); lookups of a few rows by a unique key go through findByKeys
 * (key-lookup.ts), which stays an index probe per key in any plan.
 */

interface RecordColumn {
  name: string;
  /** The type the recordset declares: the column's own, or text for JSON (parsed by a cast). */
  recordType: string;
  /** `::jsonb` after a JSON column's field, nothing otherwise. */
  cast: string;
  toJson: (value: unknown) => unknown;
}

// Worked out once per column: a batch asks for them for every value of every row.
const recordColumns = new WeakMap<PgColumn, RecordColumn>();

function recordColumn(column: PgColumn): RecordColumn {
  let known = recordColumns.get(column);
  if (known === undefined) {
    const type = column.getSQLType();
    // A jsonb value arrives as JSON text inside the JSON (its numbers exact), parsed by the cast.
    const json = /^jsonb?$/.test(type);
    known = {
      name: column.name,
      recordType: json ? 'text' : type,
      cast: json ? `::${type}` : '',
      toJson: json ? (value) => value ?? null : (value) => (value === null || value === undefined ? null : column.mapToDriverValue(value)),
    };
    recordColumns.set(column, known);
  }
  return known;
}

/*
 * Only the JSON differs from one batch to the next; the text around it depends on the schema
 * alone. It is put together from Drizzle's pieces (identifiers, casts, one SQL object per column)
 * and compiled the first time, then reused as raw text: rebuilding it for every statement was an
 * eighth of what a one-event transaction allocates (514 against 451 KB, BENCHMARKS.md, fan-out).
 */
const dialect = new PgDialect();
const compiled = new Map<string, SQL>();

/** A fragment's text, as raw SQL to reuse; it must hold no parameter. */
export function compiledText(fragment: SQL): SQL {
  const query = dialect.sqlToQuery(fragment);
  if (query.params.length > 0) throw new Error(`compiledText: the fragment has parameters: ${query.sql}`);
  return sql.raw(query.sql);
}

/** `build()`'s text, compiled once per `key`. */
function compiledOnce(key: string, build: () => SQL): SQL {
  let text = compiled.get(key);
  if (text === undefined) compiled.set(key, (text = compiledText(build())));
  return text;
}

const columnsKey = (columns: readonly PgColumn[]): string => columns.map((column) => `${getTableName(getColumnTable(column))}.${column.name}`).join(',');

/** `json_to_recordset(<rows as JSON>) as <alias>("column" type, …)`; `valueAt(row, i)` reads a row's value for `columns[i]`. */
export function recordset<Row>(alias: string, columns: readonly PgColumn[], rows: readonly Row[], valueAt: (row: Row, i: number) => unknown): SQL {
  const record = columns.map(recordColumn);
  const objects = rows.map((row) => {
    const object: Record<string, unknown> = {};
    for (let i = 0; i < record.length; i += 1) object[record[i]!.name] = record[i]!.toJson(valueAt(row, i));
    return object;
  });
  const definition = compiledOnce(`recordset ${alias} ${columnsKey(columns)}`, () =>
    sql`${sql.identifier(alias)}(${sql.join(record.map((c) => sql`${sql.identifier(c.name)} ${sql.raw(c.recordType)}`), sql`, `)})`,
  );
  return sql`json_to_recordset(${JSON.stringify(objects)}::text::json) as ${definition}`;
}

const fieldsOf = (alias: string, columns: readonly PgColumn[]): SQL =>
  sql.join(
    columns.map(recordColumn).map((c) => sql`${sql.identifier(alias)}.${sql.identifier(c.name)}${sql.raw(c.cast)}`),
    sql`, `,
  );

/** `(app, room) in (…)` for a list of room keys. */
export function roomKeyIn(app: PgColumn, room: PgColumn, keys: readonly { appId: string; roomId: string }[]): SQL {
  const wanted = recordset('k', [app, room], keys, (key, i) => (i === 0 ? key.appId : key.roomId));
  const head = compiledOnce(`roomKeyIn ${columnsKey([app, room])}`, () => sql`(${app}, ${room}) in (select ${fieldsOf('k', [app, room])} from `);
  return sql`${head}${wanted})`;
}

/**
 * `insert into table (columns) select … from <rows>`, with the columns any row's keys name; a row
 * without one of them gives it null (events of different types fill different columns). A jsonb
 * column takes JSON text. The caller adds any ON CONFLICT.
 */
export function insertRows<T extends PgTable>(table: T, rows: readonly Record<string, unknown>[], options: { overridingSystemValue?: boolean } = {}): SQL {
  const keys = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const columns = keys.map((key) => {
    const column = (table as unknown as Record<string, PgColumn | undefined>)[key];
    if (column === undefined) throw new Error(`insertRows: ${key} is not a column of the table`);
    return column;
  });
  const overriding = options.overridingSystemValue ? 'overriding system value ' : '';
  const head = compiledOnce(`insert ${getTableName(table)} ${overriding}${columnsKey(columns)}`, () => {
    const names = sql.join(columns.map((column) => sql.identifier(column.name)), sql`, `);
    return sql`insert into ${table} (${names}) ${sql.raw(overriding)}select ${fieldsOf('r', columns)} from `;
  });
  return sql`${head}${recordset('r', columns, rows, (row, i) => row[keys[i]!])}`;
}
