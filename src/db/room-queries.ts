import { and, asc, count, eq, gt, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { Database, Queryable } from './client.js';
import { codeIn, type CodeSelection } from './code-selection.js';
import { roomLifecycles, roomMembers, rooms } from './schema.js';
import { roomKeyIn } from './sql-fragments.js';

/** Reading rooms and who is in them, for the API. */

export interface RoomKey {
  appId: string;
  roomId: string;
}

/** A room as the API shows it: the room row with the facts of its current lifecycle. */
export interface RoomView extends RoomKey {
  pk: number;
  /** The current lifecycle; null until an event of the room names one. */
  roomSeq: string | null;
  isOpen: boolean;
  memberCount: number;
  /** The version of the room's newest presence change. */
  version: number;
  createdAt: Date | null;
  closedAt: Date | null;
  updatedAt: Date;
}

/** A member present in a room now. */
export interface PresentMember {
  roomPk: number;
  userAccount: string;
  nickname: string;
  sessionId: string;
  roleCode: number;
  loginAt: Date;
}

/** Where a page of members ends: members are listed by login time, then user. */
export interface MemberPosition {
  loginAt: Date;
  userAccount: string;
}

/** The columns a RoomView is made of: the room, and its current lifecycle joined by `currentLifecycle`. */
export const roomViewColumns = {
  pk: rooms.id,
  appId: rooms.appId,
  roomId: rooms.roomId,
  roomSeq: rooms.currentSeq,
  memberCount: rooms.memberCount,
  version: rooms.version,
  updatedAt: rooms.updatedAt,
  lifecycleSeq: roomLifecycles.roomSeq,
  createdAt: roomLifecycles.createdAt,
  closedAt: roomLifecycles.closedAt,
  supersededAt: roomLifecycles.supersededAt,
};

type RoomViewRow = { [K in keyof typeof roomViewColumns]: (typeof roomViewColumns)[K]['_']['data'] | null };

/** The join condition of a room's current lifecycle (none until an event names one). */
export const currentLifecycle = and(eq(roomLifecycles.roomPk, rooms.id), eq(roomLifecycles.roomSeq, rooms.currentSeq))!;

function selectRoomViews(db: Queryable) {
  return db.select(roomViewColumns).from(rooms).leftJoin(roomLifecycles, currentLifecycle);
}

export function toRoomView(row: RoomViewRow): RoomView {
  return {
    pk: row.pk!,
    appId: row.appId!,
    roomId: row.roomId!,
    roomSeq: row.roomSeq,
    // A lifecycle is open until it is closed or a newer one replaces it.
    isOpen: row.lifecycleSeq !== null && row.closedAt === null && row.supersededAt === null,
    memberCount: row.memberCount!,
    version: row.version!,
    createdAt: row.createdAt,
    closedAt: row.closedAt,
    updatedAt: row.updatedAt!,
  };
}

/** The rooms with these keys, one statement for all of them; rooms never seen are simply absent. */
export async function findRoomsByKey(db: Queryable, keys: readonly RoomKey[]): Promise<RoomView[]> {
  if (keys.length === 0) return [];
  const rows = await selectRoomViews(db).where(roomKeyIn(rooms.appId, rooms.roomId, keys));
  return rows.map(toRoomView);
}

const roomKeyText = (key: RoomKey) => JSON.stringify([key.appId, key.roomId]);

/** For each key its room, or null for a room never seen, in the keys' order: a DataLoader's batch. */
export async function findRoomForEachKey(db: Queryable, keys: readonly RoomKey[]): Promise<(RoomView | null)[]> {
  // Every subscriber of a room may ask for it in the same batch: each room is asked for once.
  const unique = [...new Map(keys.map((key) => [roomKeyText(key), key])).values()];
  const found = new Map((await findRoomsByKey(db, unique)).map((room) => [roomKeyText(room), room]));
  return keys.map((key) => found.get(roomKeyText(key)) ?? null);
}

export interface RoomListing {
  appId: string;
  /** Only rooms with someone in them. */
  occupiedOnly: boolean;
}

function listingConditions(listing: RoomListing): SQL {
  return and(eq(rooms.appId, listing.appId), listing.occupiedOnly ? gt(rooms.memberCount, 0) : undefined)!;
}

/** Rooms of an app by room id, the page after `afterRoomId`. Room ids are unique within an app, so pages never overlap. */
export async function findRoomPage(
  db: Queryable,
  listing: RoomListing,
  page: { afterRoomId: string | null; limit: number },
): Promise<RoomView[]> {
  const rows = await selectRoomViews(db)
    .where(and(listingConditions(listing), page.afterRoomId === null ? undefined : gt(rooms.roomId, page.afterRoomId)))
    .orderBy(asc(rooms.roomId))
    .limit(page.limit);
  return rows.map(toRoomView);
}

export async function countRooms(db: Queryable, listing: RoomListing): Promise<number> {
  const [row] = await db.select({ n: count() }).from(rooms).where(listingConditions(listing));
  return row?.n ?? 0;
}

export interface MemberPageQuery {
  roles: CodeSelection | null;
  after: MemberPosition | null;
  limit: number;
}

function presentMemberConditions(roomPk: SQL | number, query: Pick<MemberPageQuery, 'roles'>): SQL {
  return and(
    eq(roomMembers.roomPk, roomPk),
    // Tombstones (ended sessions kept for ordering) are never members; this is also the partial index's predicate.
    isNull(roomMembers.logoutAt),
    query.roles === null ? undefined : codeIn(roomMembers.roleCode, query.roles),
  )!;
}

/**
 * One page of present members for each of several rooms, in one statement: a lateral subquery
 * per room walks the (room_pk, login_at, user_account) index of present members.
 */
export async function findMemberPages(
  db: Queryable,
  roomPks: readonly number[],
  query: MemberPageQuery,
): Promise<Map<number, PresentMember[]>> {
  const pages = new Map<number, PresentMember[]>(roomPks.map((pk) => [pk, []]));
  if (roomPks.length === 0 || query.limit === 0) return pages;
  const { after } = query;
  const page = db
    .select({
      userAccount: roomMembers.userAccount,
      nickname: roomMembers.nickname,
      sessionId: roomMembers.sessionId,
      roleCode: roomMembers.roleCode,
      loginAt: roomMembers.loginAt,
    })
    .from(roomMembers)
    .where(
      and(
        presentMemberConditions(sql`${rooms.id}`, query),
        after === null
          ? undefined
          : sql`(${roomMembers.loginAt}, ${roomMembers.userAccount}) > (${after.loginAt.toISOString()}::timestamptz, ${after.userAccount})`,
      ),
    )
    .orderBy(asc(roomMembers.loginAt), asc(roomMembers.userAccount))
    .limit(query.limit)
    .as('page');
  const rows = await db
    .select({
      roomPk: rooms.id,
      userAccount: page.userAccount,
      nickname: page.nickname,
      sessionId: page.sessionId,
      roleCode: page.roleCode,
      loginAt: page.loginAt,
    })
    .from(rooms)
    .innerJoinLateral(page, sql`true`)
    .where(inArray(rooms.id, [...roomPks]))
    .orderBy(asc(rooms.id), asc(page.loginAt), asc(page.userAccount));
  for (const row of rows) {
    // A present member has always logged in: login_at is null only on tombstones of legacy logouts.
    pages.get(row.roomPk)!.push({ ...row, loginAt: row.loginAt! });
  }
  return pages;
}

/** How many members with one of `roles` each room has now. */
export async function countMembersByRole(
  db: Queryable,
  roomPks: readonly number[],
  roles: CodeSelection,
): Promise<Map<number, number>> {
  const counts = new Map<number, number>(roomPks.map((pk) => [pk, 0]));
  if (roomPks.length === 0) return counts;
  const rows = await db
    .select({ roomPk: roomMembers.roomPk, n: count() })
    .from(roomMembers)
    .where(
      and(
        inArray(roomMembers.roomPk, [...roomPks]),
        isNull(roomMembers.logoutAt),
        codeIn(roomMembers.roleCode, roles),
      ),
    )
    .groupBy(roomMembers.roomPk);
  for (const row of rows) counts.set(row.roomPk, row.n);
  return counts;
}


/** A room and everyone in it, as of one presence version. */
export interface RoomSnapshot {
  /** Null for a room never seen. */
  room: RoomView | null;
  members: PresentMember[];
}

// Larger than any ZEGO room: the snapshot is meant to be whole.
const SNAPSHOT_MEMBER_LIMIT = 1_000_000;

/** Reads the room and its members in one repeatable-read transaction, so that both are of the same version. */
export async function readRoomSnapshot(db: Database, key: RoomKey): Promise<RoomSnapshot> {
  return db.transaction(
    async (tx) => {
      const [room] = await findRoomsByKey(tx, [key]);
      if (!room) return { room: null, members: [] };
      const pages = await findMemberPages(tx, [room.pk], { roles: null, after: null, limit: SNAPSHOT_MEMBER_LIMIT });
      return { room, members: pages.get(room.pk) ?? [] };
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

/** The app of some room with this id, if any app has one (for a subscription begun before any data). */
export async function findAppOfRoom(db: Queryable, roomId: string): Promise<string | null> {
  const [row] = await db.select({ appId: rooms.appId }).from(rooms).where(eq(rooms.roomId, roomId)).limit(1);
  return row?.appId ?? null;
}
