import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Queryable } from './client.js';
import { presenceChanges, roomLifecycles, roomMembers, rooms } from './schema.js';

/** Storage of the current state of rooms: the room row, its lifecycles and its members. */

export type RoomRow = typeof rooms.$inferSelect;
export type LifecycleRow = typeof roomLifecycles.$inferSelect;
export type MemberRow = typeof roomMembers.$inferSelect;
export type NewPresenceChange = typeof presenceChanges.$inferInsert;

/**
 * Returns the room, creating it if needed, with its row locked until the transaction ends:
 * events of one room are applied one at a time, events of different rooms in parallel.
 */
export async function lockRoom(tx: Queryable, appId: string, roomId: string): Promise<RoomRow> {
  const locate = () =>
    tx
      .select()
      .from(rooms)
      .where(and(eq(rooms.appId, appId), eq(rooms.roomId, roomId)))
      .for('update');
  const [existing] = await locate();
  if (existing) return existing;
  await tx.insert(rooms).values({ appId, roomId }).onConflictDoNothing();
  const [created] = await locate();
  if (!created) throw new Error(`room ${appId}/${roomId} vanished while being created`);
  return created;
}

export async function findLifecycles(tx: Queryable, roomPk: number, roomSeqs: string[]): Promise<LifecycleRow[]> {
  return tx
    .select()
    .from(roomLifecycles)
    .where(and(eq(roomLifecycles.roomPk, roomPk), inArray(roomLifecycles.roomSeq, roomSeqs)));
}

export async function saveLifecycle(tx: Queryable, row: LifecycleRow): Promise<void> {
  const { roomPk, roomSeq, ...changes } = row;
  await tx
    .insert(roomLifecycles)
    .values(row)
    .onConflictDoUpdate({ target: [roomLifecycles.roomPk, roomLifecycles.roomSeq], set: changes });
}

export async function findMember(tx: Queryable, roomPk: number, userAccount: string): Promise<MemberRow | undefined> {
  const [row] = await tx
    .select()
    .from(roomMembers)
    .where(and(eq(roomMembers.roomPk, roomPk), eq(roomMembers.userAccount, userAccount)));
  return row;
}

export async function saveMember(tx: Queryable, row: Omit<MemberRow, 'present'>): Promise<void> {
  const { roomPk, userAccount, ...changes } = row;
  await tx
    .insert(roomMembers)
    .values(row)
    .onConflictDoUpdate({ target: [roomMembers.roomPk, roomMembers.userAccount], set: changes });
}

/** Empties the room: its lifecycle ended, so neither its members nor their tombstones matter any more. */
export async function clearMembers(tx: Queryable, roomPk: number): Promise<void> {
  await tx.delete(roomMembers).where(eq(roomMembers.roomPk, roomPk));
}

export async function saveRoomState(
  tx: Queryable,
  roomPk: number,
  state: Pick<RoomRow, 'currentSeq' | 'version' | 'memberCount'>,
): Promise<void> {
  await tx
    .update(rooms)
    .set({ ...state, updatedAt: sql`now()` })
    .where(eq(rooms.id, roomPk));
}

export async function appendPresenceChanges(tx: Queryable, changes: NewPresenceChange[]): Promise<void> {
  if (changes.length > 0) await tx.insert(presenceChanges).values(changes);
}
