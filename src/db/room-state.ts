import { inArray, sql, type SQL } from 'drizzle-orm';
import type { Queryable } from './client.js';
import { presenceChanges, roomLifecycles, roomMembers, rooms } from './schema.js';
import { findByKeys } from './key-lookup.js';
import { insertRows, tuples } from './sql-fragments.js';

/** Storage of rooms' current state: the room rows, their lifecycles and members, read and written in batches. */

export type RoomRow = typeof rooms.$inferSelect;
export type LifecycleRow = typeof roomLifecycles.$inferSelect;
export type MemberRow = typeof roomMembers.$inferSelect;
export type NewMemberRow = Omit<MemberRow, 'present'>;
export type NewPresenceChange = typeof presenceChanges.$inferInsert;

const byRoom = (a: { appId: string; roomId: string }, b: { appId: string; roomId: string }) =>
  a.appId < b.appId ? -1 : a.appId > b.appId ? 1 : a.roomId < b.roomId ? -1 : a.roomId > b.roomId ? 1 : 0;

/**
 * Returns the rooms, creating missing ones, with their rows locked until the transaction ends.
 * Locks are taken in one order (app, room) by every writer, so two batches sharing rooms wait
 * for each other instead of deadlocking; events of different rooms proceed in parallel.
 */
export async function lockRooms(tx: Queryable, keys: { appId: string; roomId: string }[]): Promise<RoomRow[]> {
  const wanted = [...new Map(keys.map((k) => [`${k.appId}\u0000${k.roomId}`, k])).values()].sort(byRoom);
  const select = (subset: typeof wanted) =>
    findByKeys(tx, rooms, [rooms.appId, rooms.roomId], subset.map((k) => [k.appId, k.roomId]), { lock: true });
  const found = await select(wanted);
  if (found.length === wanted.length) return found;
  const have = new Set(found.map((r) => `${r.appId}\u0000${r.roomId}`));
  const missing = wanted.filter((k) => !have.has(`${k.appId}\u0000${k.roomId}`));
  await tx.insert(rooms).values(missing).onConflictDoNothing();
  return found.concat(await select(missing));
}

export async function findLifecycles(tx: Queryable, keys: { roomPk: number; roomSeq: string }[]): Promise<LifecycleRow[]> {
  if (keys.length === 0) return [];
  return findByKeys(tx, roomLifecycles, [roomLifecycles.roomPk, roomLifecycles.roomSeq], keys.map((k) => [k.roomPk, k.roomSeq]));
}

export async function findMembers(tx: Queryable, keys: { roomPk: number; userAccount: string }[]): Promise<MemberRow[]> {
  if (keys.length === 0) return [];
  return findByKeys(tx, roomMembers, [roomMembers.roomPk, roomMembers.userAccount], keys.map((k) => [k.roomPk, k.userAccount]));
}

export async function saveLifecycles(tx: Queryable, rows: LifecycleRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.execute(sql`${insertRows(roomLifecycles, rows)} on conflict (room_pk, room_seq) do update set ${takeExcluded(roomLifecycles, [
    'roomName', 'createdAt', 'createdBy', 'closedAt', 'closeReason', 'supersededAt', 'firstEventAt', 'lastEventAt', 'maxUpdateSeq',
  ])}`);
}

/** Empties rooms whose lifecycle ended: neither their members nor their tombstones matter any more. */
export async function clearMembers(tx: Queryable, roomPks: number[]): Promise<void> {
  if (roomPks.length > 0) await tx.delete(roomMembers).where(inArray(roomMembers.roomPk, roomPks));
}

export async function saveMembers(tx: Queryable, rows: NewMemberRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.execute(
    sql`${insertRows(roomMembers, rows)} on conflict (room_pk, user_account) do update set ${takeExcluded(roomMembers, ['nickname', 'sessionId', 'roleCode', 'loginAt', 'logoutAt'])}`,
  );
}

/**
 * The one write whose rows go as a VALUES list, a statement text per number of rooms, rather than
 * as JSON: an UPDATE ... FROM json_to_recordset is planned for a guessed 100 rows, and a plan made
 * while the rooms table was small stayed a hash join over a sequential scan of it (13 ms at 100,000
 * rooms against 0.1 ms; test/prepared-statements.test.ts). With the rows counted, each text keeps
 * an index probe per room; a batch holds at most 64 events, so there are at most 64 texts.
 */
export async function saveRoomStates(tx: Queryable, states: Pick<RoomRow, 'id' | 'currentSeq' | 'version' | 'memberCount'>[]): Promise<void> {
  if (states.length === 0) return;
  const values = tuples(states.map((s) => [sql`${s.id}::bigint`, sql`${s.currentSeq}::numeric`, sql`${s.version}::bigint`, sql`${s.memberCount}::integer`]));
  await tx.execute(sql`
    update ${rooms} set current_seq = v.current_seq, version = v.version, member_count = v.member_count, updated_at = now()
    from (values ${values}) as v(id, current_seq, version, member_count)
    where ${rooms.id} = v.id`);
}

export async function appendPresenceChanges(tx: Queryable, changes: NewPresenceChange[]): Promise<void> {
  if (changes.length > 0) await tx.execute(insertRows(presenceChanges, changes));
}

/** `column = excluded.column, …` for an upsert that takes the new row's values. */
function takeExcluded<T extends object>(table: T, keys: (keyof T & string)[]): SQL {
  const names = keys.map((key) => (table[key] as { name: string }).name);
  return sql.join(names.map((name) => sql`${sql.identifier(name)} = excluded.${sql.identifier(name)}`), sql`, `);
}
