import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roomEvents, rooms } from '../src/db/schema.js';
import { findStoredEvents } from '../src/db/room-events.js';
import { saveRoomStates } from '../src/db/room-state.js';
import { applyRoomEvents } from '../src/presence/apply.js';
import { databaseTargets, type TestDatabase } from './support/databases.js';
import { queryRows } from './support/rows.js';
import { loginEvent, logoutEvent, toRoomEvent } from './support/zego.js';

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

  it('write batches of any size with the same statements, so each is prepared once', async () => {
    const { db } = database.handle;
    const at = Date.parse('2026-11-01T10:00:00Z');
    const login = (roomId: string, user: string, offset: number) =>
      toRoomEvent(loginEvent({ appId: '31', roomId, user, session: String(100 + offset), at: at + offset, updateSeq: 1 }));
    const logout = (roomId: string, user: string, offset: number) =>
      toRoomEvent(logoutEvent({ appId: '31', roomId, user, session: String(100 + offset), loginAt: at + offset, at: at + offset + 500, updateSeq: 2, reason: 0 }));
    const sizes = [1, 3, 7];
    for (const [b, size] of sizes.entries()) {
      const room = `batch-${b}`;
      const users = Array.from({ length: size }, (_, i) => `user-${i}`);
      const logins = await Promise.all(users.map((user, i) => login(room, user, i)));
      const logouts = await Promise.all(users.map((user, i) => logout(room, user, i)));
      const outcomes = await applyRoomEvents(db, [...logins, ...logouts]);
      expect(outcomes.map((o) => o.status)).toEqual(Array(2 * size).fill('applied'));
    }

    const statements = await preparedStatements();
    const stored = await queryRows(db, sql`select count(*)::int as n from room_events where app_id = '31'`);
    expect(stored[0]!.n).toBe(2 * sizes.reduce((a, b) => a + b, 0));
    // One statement per table written, whatever the number of rows each batch wrote to it.
    for (const table of ['room_events', 'presence_changes', 'room_members', 'room_lifecycles']) {
      expect(statements.filter((s) => s.startsWith(`insert into "${table}"`)), table).toHaveLength(1);
    }
  });

  /**
   * The service's prepared statement matching `like`, prepared again in a session of its own and
   * run with `args` until PostgreSQL keeps one plan for it; then `grow` runs in that session and
   * the plan the statement would run with is returned.
   */
  async function planAfterGrowth(database: TestDatabase, like: string, args: string, grow: string): Promise<string> {
    const [found] = await queryRows(database.handle.db, sql`select statement from pg_prepared_statements where statement like ${like}`);
    const session = await database.admin!.reserve();
    try {
      await session.unsafe(`prepare under_test as ${String(found!.statement)}`);
      for (let i = 0; i < 6; i += 1) await session.unsafe(`execute under_test(${args})`);
      await session.unsafe(grow);
      return (await session.unsafe(`explain execute under_test(${args})`)).map((row) => String(row['QUERY PLAN'])).join('\n');
    } finally {
      session.release();
    }
  }

  it('update rooms one index probe each, even in a plan made while the table was small', async () => {
    const fresh = await postgresTarget!.create({ max: 1 });
    try {
      await fresh.admin!.unsafe(`insert into rooms (app_id, room_id) select 'p', i::text from generate_series(1, 5) as i`);
      await saveRoomStates(fresh.handle.db, [
        { id: 1, currentSeq: '5', version: 1, memberCount: 1 },
        { id: 2, currentSeq: '5', version: 1, memberCount: 1 },
      ]);
      const plan = await planAfterGrowth(fresh, '%update "rooms" set%', `1, '5', 1, 1, 2, '5', 1, 1`,
        `insert into rooms (app_id, room_id) select 'q', i::text from generate_series(1, 20000) as i`);
      expect(plan).toMatch(/Index Scan using rooms_pkey/);
      expect(plan).not.toMatch(/Seq Scan on rooms/);
    } finally {
      await fresh.dispose();
    }
  });

  it('look keys up one index probe each, even in a plan made while the table was empty', async () => {
    // A database of its own, whose room_events is empty when the statement is first planned.
    const fresh = await postgresTarget!.create({ max: 1 });
    try {
      await findStoredEvents(fresh.handle.db, [{ appId: 'p', roomId: 'r', dedupKey: 'k' }]);
      const like = '%lateral%from "room_events"%';
      const [found] = await queryRows(fresh.handle.db, sql`select cardinality(parameter_types) as params from pg_prepared_statements where statement like ${like}`);
      // The keys, as JSON, are its one parameter.
      expect(found).toMatchObject({ params: 1 });
      const plan = await planAfterGrowth(fresh, like, `'${JSON.stringify([{ app_id: 'p', room_id: 'r', dedup_key: 'k' }])}'`, `
        insert into room_events (event, app_id, room_id, room_seq, event_at, sent_at, dedup_key, payload)
        select 'room_login', 'p', (i % 100)::text, 1, now(), now(), 'k' || i, '{}' from generate_series(1, 20000) as i`);
      expect(plan).toMatch(/Index (Only )?Scan using room_events_dedup_key/);
      expect(plan).not.toMatch(/Seq Scan on room_events/);
    } finally {
      await fresh.dispose();
    }
  });
});
