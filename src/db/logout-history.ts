import { and, count, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { Queryable } from './client.js';
import { codeIn, isCodeSelected, type CodeSelection } from './code-selection.js';
import { currentLifecycle, roomViewColumns, toRoomView, type RoomView } from './room-queries.js';
import { roomEvents, roomLifecycles, rooms } from './schema.js';

/** Reading the logout history: every room_logout callback ever applied, newest first. */

/** Which logouts a history query covers. Every query names one app: all history indexes start with it. */
export interface LogoutCriteria {
  appId: string;
  roomId?: string | null;
  userAccount?: string | null;
  reasons?: CodeSelection | null;
  roles?: CodeSelection | null;
  /** logout_at >= from */
  from?: Date | null;
  /** logout_at < to */
  to?: Date | null;
}

/** A logout's place in the history order: logout time, then id, both descending. */
export interface LogoutPosition {
  logoutAt: Date;
  id: number;
}

export interface LogoutRecord {
  id: number;
  appId: string;
  roomId: string;
  roomSeq: string;
  userAccount: string;
  nickname: string;
  sessionId: string;
  roleCode: number;
  reasonCode: number;
  /** Null only for a legacy logout whose login was never seen. */
  loginAt: Date | null;
  logoutAt: Date;
  userUpdateSeq: string | null;
  receivedAt: Date;
}

/**
 * Written as a literal, not a parameter: the history indexes are partial on exactly this
 * predicate, and the planner can use them only when it sees the constant.
 */
const isLogout = sql`${roomEvents.event} = 'room_logout'`;

export function logoutConditions(criteria: LogoutCriteria): SQL {
  return and(
    isLogout,
    eq(roomEvents.appId, criteria.appId),
    criteria.roomId == null ? undefined : eq(roomEvents.roomId, criteria.roomId),
    criteria.userAccount == null ? undefined : eq(roomEvents.userAccount, criteria.userAccount),
    criteria.reasons == null ? undefined : codeIn(roomEvents.logoutReason, criteria.reasons),
    criteria.roles == null ? undefined : codeIn(roomEvents.roleCode, criteria.roles),
    criteria.from == null ? undefined : gte(roomEvents.logoutAt, criteria.from),
    criteria.to == null ? undefined : lt(roomEvents.logoutAt, criteria.to),
  )!;
}

/** `logoutConditions`, for a logout already in memory (a live subscription's filter). */
export function matchesLogoutCriteria(criteria: LogoutCriteria, logout: LogoutRecord): boolean {
  return (
    logout.appId === criteria.appId &&
    (criteria.roomId == null || logout.roomId === criteria.roomId) &&
    (criteria.userAccount == null || logout.userAccount === criteria.userAccount) &&
    (criteria.reasons == null || isCodeSelected(criteria.reasons, logout.reasonCode)) &&
    (criteria.roles == null || isCodeSelected(criteria.roles, logout.roleCode)) &&
    (criteria.from == null || logout.logoutAt >= criteria.from) &&
    (criteria.to == null || logout.logoutAt < criteria.to)
  );
}

const logoutColumns = {
  id: roomEvents.id,
  appId: roomEvents.appId,
  roomId: roomEvents.roomId,
  roomSeq: roomEvents.roomSeq,
  userAccount: roomEvents.userAccount,
  nickname: roomEvents.nickname,
  sessionId: roomEvents.sessionId,
  roleCode: roomEvents.roleCode,
  reasonCode: roomEvents.logoutReason,
  loginAt: roomEvents.loginAt,
  logoutAt: roomEvents.logoutAt,
  userUpdateSeq: roomEvents.userUpdateSeq,
  receivedAt: roomEvents.receivedAt,
};

type LogoutRow = { [K in keyof typeof logoutColumns]: (typeof logoutColumns)[K]['_']['data'] | null };

// Columns shared with other event types are nullable in the table; a stored logout always has them.
function toLogoutRecord(row: LogoutRow): LogoutRecord {
  return {
    id: row.id!,
    appId: row.appId!,
    roomId: row.roomId!,
    roomSeq: row.roomSeq!,
    userAccount: row.userAccount ?? '',
    nickname: row.nickname ?? '',
    sessionId: row.sessionId ?? '0',
    roleCode: row.roleCode ?? 0,
    reasonCode: row.reasonCode ?? 0,
    loginAt: row.loginAt,
    logoutAt: row.logoutAt!,
    userUpdateSeq: row.userUpdateSeq,
    receivedAt: row.receivedAt!,
  };
}

// Spelled exactly as the history indexes are ordered, so a page is read straight off an index.
const newestFirst = [sql`${roomEvents.logoutAt} desc nulls last`, sql`${roomEvents.id} desc nulls last`];

/** A logout of a history page; with `room` when the page was asked for with its rooms. */
export interface PagedLogout extends LogoutRecord {
  /** The room as it is now (null for a room not stored); absent when not asked for. */
  room?: RoomView | null;
}

/**
 * The `limit` newest logouts matching `criteria` that come after `after` in history order. The
 * position is a keyset, not an offset: logouts arriving meanwhile never shift a page.
 *
 * `withRooms` joins each logout's room as it is now into the same statement: a page that shows
 * its rooms then costs one round trip, not a second one for the rooms (BENCHMARKS.md).
 */
export async function findLogoutPage(
  db: Queryable,
  criteria: LogoutCriteria,
  page: { after: LogoutPosition | null; limit: number; withRooms?: boolean },
): Promise<PagedLogout[]> {
  const { after } = page;
  const conditions = and(
    logoutConditions(criteria),
    after === null ? undefined : sql`(${roomEvents.logoutAt}, ${roomEvents.id}) < (${after.logoutAt.toISOString()}::timestamptz, ${after.id})`,
  );
  if (!page.withRooms) {
    const rows = await db.select(logoutColumns).from(roomEvents).where(conditions).orderBy(...newestFirst).limit(page.limit);
    return rows.map(toLogoutRecord);
  }
  const rows = await db
    .select({ logout: logoutColumns, room: roomViewColumns })
    .from(roomEvents)
    .leftJoin(rooms, and(eq(rooms.appId, roomEvents.appId), eq(rooms.roomId, roomEvents.roomId)))
    .leftJoin(roomLifecycles, currentLifecycle)
    .where(conditions)
    .orderBy(...newestFirst)
    .limit(page.limit);
  // Drizzle nulls a joined object only when its columns come from one table; these come from two.
  return rows.map((row) => ({ ...toLogoutRecord(row.logout), room: row.room?.pk == null ? null : toRoomView(row.room) }));
}

export async function countLogouts(db: Queryable, criteria: LogoutCriteria): Promise<number> {
  const [row] = await db.select({ n: count() }).from(roomEvents).where(logoutConditions(criteria));
  return row?.n ?? 0;
}

/** The logouts with these event ids; ids of other events find nothing. */
export async function findLogoutsById(db: Queryable, ids: readonly number[]): Promise<LogoutRecord[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select(logoutColumns)
    .from(roomEvents)
    .where(and(isLogout, inArray(roomEvents.id, [...ids])));
  return rows.map(toLogoutRecord);
}
