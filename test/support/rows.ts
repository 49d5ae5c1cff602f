import { and, asc, count, eq, type SQL } from 'drizzle-orm';
import type { Database } from '../../src/db/client.js';
import { otherCallbacks, presenceChanges, roomEvents, roomLifecycles, roomMembers, rooms } from '../../src/db/schema.js';
import { executedRows } from '../../src/db/sql-fragments.js';

/** Row counts of every table: a refused callback must leave all of them as they were. */
export async function tableCounts(db: Database): Promise<Record<string, number>> {
  const tables = { rooms, roomLifecycles, roomMembers, presenceChanges, roomEvents, otherCallbacks };
  const counts: Record<string, number> = {};
  for (const [name, table] of Object.entries(tables)) {
    const [row] = await db.select({ n: count() }).from(table);
    counts[name] = row!.n;
  }
  return counts;
}

export async function findRoom(db: Database, appId: string, roomId: string) {
  const [room] = await db.select().from(rooms).where(and(eq(rooms.appId, appId), eq(rooms.roomId, roomId)));
  return room;
}

/** Who is present in a room now, ordered by user: the state the ordering rules must converge to. */
export async function presentMembers(db: Database, appId: string, roomId: string) {
  const room = await findRoom(db, appId, roomId);
  if (!room) return [];
  const rows = await db
    .select({
      userAccount: roomMembers.userAccount,
      sessionId: roomMembers.sessionId,
      loginAt: roomMembers.loginAt,
      roleCode: roomMembers.roleCode,
    })
    .from(roomMembers)
    .where(and(eq(roomMembers.roomPk, room.id), eq(roomMembers.present, true)))
    .orderBy(asc(roomMembers.userAccount));
  return rows.map((row) => ({ ...row, loginAt: row.loginAt?.getTime() ?? null }));
}

export async function eventsOfRoom(db: Database, appId: string, roomId: string) {
  return db
    .select()
    .from(roomEvents)
    .where(and(eq(roomEvents.appId, appId), eq(roomEvents.roomId, roomId)))
    .orderBy(asc(roomEvents.id));
}

/** Rows of a raw query; the two drivers shape `execute` results differently. */
export async function queryRows(db: Database, query: SQL): Promise<Record<string, unknown>[]> {
  return executedRows(await db.execute(query));
}
