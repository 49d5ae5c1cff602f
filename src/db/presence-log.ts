import { and, asc, eq, gt } from 'drizzle-orm';
import type { Queryable } from './client.js';
import { presenceChanges, rooms } from './schema.js';
import { roomKeyIn } from './sql-fragments.js';

/** Reading the presence change log that live subscribers are fed from. */

export type PresenceChangeRow = typeof presenceChanges.$inferSelect;

/** The room's changes after `afterVersion`, oldest first. */
export async function loadPresenceChanges(
  db: Queryable,
  room: { appId: string; roomId: string },
  afterVersion: number,
  limit: number,
): Promise<PresenceChangeRow[]> {
  const rows = await db
    .select({ change: presenceChanges })
    .from(presenceChanges)
    .innerJoin(rooms, eq(rooms.id, presenceChanges.roomPk))
    .where(and(eq(rooms.appId, room.appId), eq(rooms.roomId, room.roomId), gt(presenceChanges.version, afterVersion)))
    .orderBy(asc(presenceChanges.version))
    .limit(limit);
  return rows.map((row) => row.change);
}

/** The room's newest presence version; 0 for a room never seen. */
export async function loadPresenceVersion(db: Queryable, room: { appId: string; roomId: string }): Promise<number> {
  const [row] = await db
    .select({ version: rooms.version })
    .from(rooms)
    .where(and(eq(rooms.appId, room.appId), eq(rooms.roomId, room.roomId)));
  return row?.version ?? 0;
}

/** The newest presence versions of these rooms (rooms never seen are left out). */
export async function loadPresenceVersions(
  db: Queryable,
  keys: { appId: string; roomId: string }[],
): Promise<{ appId: string; roomId: string; version: number }[]> {
  if (keys.length === 0) return [];
  return db
    .select({ appId: rooms.appId, roomId: rooms.roomId, version: rooms.version })
    .from(rooms)
    .where(roomKeyIn(rooms.appId, rooms.roomId, keys));
}
