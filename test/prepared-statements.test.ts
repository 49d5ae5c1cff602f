import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roomEvents, rooms } from '../src/db/schema.js';
import { databaseTargets, type TestDatabase } from './support/databases.js';
import { queryRows } from './support/rows.js';

const postgresTarget = databaseTargets().find((t) => t.name === 'postgres');

// Prepared statements are a PostgreSQL-server matter: PGlite runs in the process and parses nothing twice over a wire.
describe.skipIf(!postgresTarget)('statements on PostgreSQL', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    // One connection, so that every statement below lands in the session that is inspected.
    database = await postgresTarget!.create({ max: 1 });
  });
  afterAll(() => database?.dispose());

  async function preparedStatements(): Promise<string[]> {
    const rows = await queryRows(database.handle.db, sql`select statement from pg_prepared_statements where not from_sql`);
    return rows.map((row) => String(row.statement));
  }

  it('are prepared once per connection and run by name after, in and out of transactions', async () => {
    const { db } = database.handle;
    const roomsOfApp = (appId: string) => db.select({ id: rooms.id }).from(rooms).where(eq(rooms.appId, appId));
    await roomsOfApp('1');
    await roomsOfApp('2');
    await db.transaction(async (tx) => {
      await tx.select({ id: roomEvents.id }).from(roomEvents).where(eq(roomEvents.appId, '1'));
      await tx.transaction((savepoint) => savepoint.select({ id: roomEvents.id }).from(roomEvents).where(eq(roomEvents.roomId, 'r')));
    });

    const statements = await preparedStatements();
    expect(statements.filter((s) => /from "rooms" where "rooms"."app_id" = \$1/.test(s))).toHaveLength(1);
    expect(statements.filter((s) => /from "room_events" where "room_events"."app_id" = \$1/.test(s))).toHaveLength(1);
    expect(statements.filter((s) => /from "room_events" where "room_events"."room_id" = \$1/.test(s))).toHaveLength(1);
  });
});
