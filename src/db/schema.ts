import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  numeric,
  pgEnum,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * ZEGO's 64-bit ids are unsigned: above 2^63-1 they do not fit PostgreSQL's signed bigint, so they
 * are numeric(20,0), read and written as exact decimal strings.
 */
const uint64 = (name: string) => numeric(name, { precision: 20, scale: 0, mode: 'string' });
const instant = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: 'date' });

export const roomEventType = pgEnum('room_event_type', ['room_create', 'room_login', 'room_logout', 'room_close']);
export const presenceChangeKind = pgEnum('presence_change_kind', ['JOINED', 'LEFT', 'ROOM_CLOSED']);

/** One row per room ever seen; which lifecycle is current, and the counter that orders its presence changes. */
export const rooms = pgTable(
  'rooms',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    appId: text('app_id').notNull(),
    roomId: text('room_id').notNull(),
    currentSeq: uint64('current_seq'),
    /** Presence changes applied so far; the version of the newest entry in presence_changes. */
    version: bigint('version', { mode: 'number' }).notNull().default(0),
    /** Members present now; kept in step with room_members under the room's row lock. */
    memberCount: integer('member_count').notNull().default(0),
    updatedAt: instant('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('rooms_app_room_key').on(t.appId, t.roomId)],
);

/**
 * Every lifecycle (room_seq) seen for a room. Lifecycles never overlap in time, so comparing event
 * times tells which one is newer; a lifecycle once superseded never becomes current again.
 */
export const roomLifecycles = pgTable(
  'room_lifecycles',
  {
    roomPk: bigint('room_pk', { mode: 'number' })
      .notNull()
      .references(() => rooms.id),
    roomSeq: uint64('room_seq').notNull(),
    roomName: text('room_name'),
    createdAt: instant('created_at'),
    createdBy: text('created_by'),
    closedAt: instant('closed_at'),
    closeReason: integer('close_reason'),
    supersededAt: instant('superseded_at'),
    firstEventAt: instant('first_event_at').notNull(),
    lastEventAt: instant('last_event_at').notNull(),
    /** The highest user_update_seq seen: an event below it arrived late, one above it by more than 1 skipped some. */
    maxUpdateSeq: bigint('max_update_seq', { mode: 'string' }),
  },
  (t) => [primaryKey({ columns: [t.roomPk, t.roomSeq] })],
);

/**
 * The latest known session of each user in a room's current lifecycle. A row whose `logout_at` is
 * set is a tombstone: it stays so that a late login of an ended session cannot resurrect the user.
 */
export const roomMembers = pgTable(
  'room_members',
  {
    roomPk: bigint('room_pk', { mode: 'number' })
      .notNull()
      .references(() => rooms.id),
    userAccount: text('user_account').notNull(),
    nickname: text('nickname').notNull(),
    sessionId: uint64('session_id').notNull(),
    roleCode: integer('role_code').notNull(),
    /** Null only for a legacy logout (no login_time) whose login has not been seen. */
    loginAt: instant('login_at'),
    logoutAt: instant('logout_at'),
    present: boolean('present')
      .notNull()
      .generatedAlwaysAs(sql`logout_at is null`),
  },
  (t) => [
    primaryKey({ columns: [t.roomPk, t.userAccount] }),
    index('room_members_present_idx').on(t.roomPk, t.loginAt, t.userAccount).where(sql`logout_at is null`),
  ],
);

/**
 * The presence change log of each room, in the order the changes were applied (`version`). Live
 * subscribers are fed from it, and a subscriber that reconnects replays it from its cursor.
 */
export const presenceChanges = pgTable(
  'presence_changes',
  {
    roomPk: bigint('room_pk', { mode: 'number' })
      .notNull()
      .references(() => rooms.id),
    version: bigint('version', { mode: 'number' }).notNull(),
    kind: presenceChangeKind('kind').notNull(),
    roomSeq: uint64('room_seq').notNull(),
    memberCount: integer('member_count').notNull(),
    userAccount: text('user_account'),
    nickname: text('nickname'),
    sessionId: uint64('session_id'),
    roleCode: integer('role_code'),
    loginAt: instant('login_at'),
    /** The callback that caused the change; for LEFT it is the logout event. */
    eventId: bigint('event_id', { mode: 'number' })
      .notNull()
      .references(() => roomEvents.id),
    changedAt: instant('changed_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.roomPk, t.version] })],
);

/**
 * Append-only log of every accepted room callback: decoded fields, the raw payload as received,
 * and a content-derived key that makes a repeated delivery a no-op.
 */
export const roomEvents = pgTable(
  'room_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    event: roomEventType('event').notNull(),
    appId: text('app_id').notNull(),
    roomId: text('room_id').notNull(),
    roomSeq: uint64('room_seq').notNull(),
    /** The event's own time: login_time, logout_time, room_create_time or room_close_time. */
    eventAt: instant('event_at').notNull(),
    userAccount: text('user_account'),
    nickname: text('nickname'),
    sessionId: uint64('session_id'),
    roleCode: integer('role_code'),
    loginAt: instant('login_at'),
    logoutAt: instant('logout_at'),
    logoutReason: integer('logout_reason'),
    /**
     * A logout's session in whole milliseconds, null without a known login. Kept by PostgreSQL so
     * that statistics over a million logouts read a number instead of working it out per row per
     * aggregate (about 100 ms of a whole-app query, BENCHMARKS.md). date_part is double
     * precision, several times faster than extract's numeric; times are whole milliseconds, so
     * rounding gives back the exact duration.
     */
    sessionMs: doublePrecision('session_ms').generatedAlwaysAs(sql`round(date_part('epoch', logout_at - login_at) * 1000)`),
    userUpdateSeq: bigint('user_update_seq', { mode: 'string' }),
    relogin: boolean('relogin'),
    authLevel: integer('auth_level'),
    callbackData: text('callback_data'),
    roomName: text('room_name'),
    createdBy: text('created_by'),
    closeReason: integer('close_reason'),
    /** The callback's signed `timestamp` of the first delivery that was accepted. */
    sentAt: instant('sent_at').notNull(),
    dedupKey: text('dedup_key').notNull(),
    payload: jsonb('payload').notNull(),
    receivedAt: instant('received_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('room_events_dedup_key').on(t.appId, t.roomId, t.dedupKey),
    index('room_events_update_seq_idx')
      .on(t.appId, t.roomId, t.roomSeq, t.userUpdateSeq)
      .where(sql`user_update_seq is not null`),
    // A legacy logout (no login_time) is paired with the user's stored login through this index.
    index('room_events_login_idx')
      .on(t.appId, t.roomId, t.userAccount, t.loginAt)
      .where(sql`event = 'room_login'`),
    // Logout history: every query names one app and reads newest first, a page at a time after a
    // (logout_at, id) cursor. One index per filter that narrows a large history (none, room, user,
    // reason, role), each ending in that order, so a page is a short range scan whatever the table's size.
    // The columns after the page order let statistics by HOUR and DAY read each bucket as an
    // index-only range of logout_at, with or without a filter on reasons or roles.
    index('room_events_logouts_idx')
      .on(t.appId, t.logoutAt.desc(), t.id.desc(), t.sessionMs, t.logoutReason, t.roleCode)
      .where(sql`event = 'room_logout'`),
    // Also statistics by ROOM, and any statistics of one room: after the page order it holds every
    // column they read, so they are an index-only scan instead of a pass over the heap (payloads
    // included), and ROOM buckets come out already grouped in room order, with no sort.
    index('room_events_room_logouts_idx')
      .on(t.appId, t.roomId, t.logoutAt.desc(), t.id.desc(), t.sessionMs, t.logoutReason, t.roleCode, t.userAccount)
      .where(sql`event = 'room_logout'`),
    // session_ms at the end, outside the page order: with it this index holds every column that
    // statistics by USER read, so they scan it in user order and group without sorting.
    index('room_events_user_logouts_idx')
      .on(t.appId, t.userAccount, t.logoutAt.desc(), t.id.desc(), t.sessionMs)
      .where(sql`event = 'room_logout'`),
    // session_ms after the page order: statistics by REASON and ROLE read these two in code order,
    // index-only, so each code's logouts arrive already grouped and nothing sorts them by code.
    index('room_events_reason_logouts_idx')
      .on(t.appId, t.logoutReason, t.logoutAt.desc(), t.id.desc(), t.sessionMs)
      .where(sql`event = 'room_logout'`),
    index('room_events_role_logouts_idx')
      .on(t.appId, t.roleCode, t.logoutAt.desc(), t.id.desc(), t.sessionMs)
      .where(sql`event = 'room_logout'`),
  ],
);

/** Signed callbacks of event types this service does not track: acknowledged and kept once. */
export const otherCallbacks = pgTable(
  'other_callbacks',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    appId: text('app_id').notNull(),
    event: text('event').notNull(),
    dedupKey: text('dedup_key').notNull(),
    payload: jsonb('payload').notNull(),
    receivedAt: instant('received_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('other_callbacks_dedup_key').on(t.appId, t.dedupKey)],
);

/**
 * One row naming this deployment (the database and every instance on it). Notices between
 * instances travel on a Redis channel named after it, so deployments sharing a Redis never hear
 * each other.
 */
export const deployment = pgTable(
  'deployment',
  {
    singleton: smallint('singleton').primaryKey().default(1),
    id: uuid('id').notNull().defaultRandom(),
    createdAt: instant('created_at').notNull().defaultNow(),
  },
  (t) => [check('deployment_singleton', sql`${t.singleton} = 1`)],
);
