import { sql, type SQL } from 'drizzle-orm';

/** `(a, b), (c, d)`: the right-hand side of a row-value IN, or the rows of a VALUES list. */
export const tuples = (rows: SQL[][]): SQL => sql.join(rows.map((row) => sql`(${sql.join(row, sql`, `)})`), sql`, `);

/** The rows of `db.execute`, which postgres.js answers as an array and PGlite as `{ rows }`. */
export const executedRows = <Row>(result: unknown): Row[] => (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Row[];
