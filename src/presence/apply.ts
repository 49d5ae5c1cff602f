import type { Database, Transaction } from '../db/client.js';
import { findLoginBefore, findStoredEvents, insertRoomEvents, reserveEventIds, type NewRoomEvent } from '../db/room-events.js';
import {
  appendPresenceChanges,
  clearMembers,
  findLifecycles,
  findMembers,
  lockRooms,
  saveLifecycles,
  saveMembers,
  saveRoomStates,
  type LifecycleRow,
  type MemberRow,
  type RoomRow,
} from '../db/room-state.js';
import { dedupKey, eventTime, NO_SESSION, type RoomEvent } from './events.js';
import type { LifecycleRecord } from './lifecycle.js';
import {
  lifecycleKey,
  memberKey,
  planBatch,
  roomKey,
  storedEventKey,
  type BatchPlan,
  type LoadedState,
  type MemberRecord,
  type PairedLogin,
  type PlannedChange,
  type PlannedEvent,
  type RoomRecord,
} from './plan.js';

export type { PresenceChangeKind, PresentMember } from './plan.js';

/** One change of a room's membership, as committed. */
export interface AppliedPresenceChange extends PlannedChange {
  /** The callback that caused it; for LEFT, the logout. */
  eventId: number;
}

export interface RoomRef {
  pk: number;
  appId: string;
  roomId: string;
}

export type AppliedEvent = {
  status: 'applied';
  eventId: number;
  event: RoomEvent;
  room: RoomRef;
  changes: AppliedPresenceChange[];
  /** Applied after a later event of its room (a reorder absorbed). */
  late: boolean;
  /** user_update_seq numbers this event showed to be missing. */
  missingUpdates: number;
};
export type ApplyOutcome = { status: 'duplicate' } | AppliedEvent;

/**
 * Applies a batch of events in one transaction: each is stored in the event log once (whatever
 * the number of deliveries), merged into its room's lifecycle and membership, and the presence
 * changes it causes are recorded. The rooms' rows stay locked until commit, so batches touching
 * the same rooms apply one after another. Outcomes come back in the order of `events`.
 */
export async function applyRoomEvents(db: Database, events: RoomEvent[]): Promise<ApplyOutcome[]> {
  if (events.length === 0) return [];
  return db.transaction(async (tx) => {
    const { state, reservedIds } = await loadState(tx, events);
    const plan = planBatch(state, events);
    const eventIds = await writePlan(tx, plan, reservedIds);
    const roomOf = new Map([...state.rooms.values()].map((r) => [r.pk, r]));
    const idOf = new Map(plan.applied.map((planned, i) => [planned, eventIds[i]!]));
    return plan.outcomes.map((outcome): ApplyOutcome => {
      if (outcome.status === 'duplicate') return outcome;
      const { planned } = outcome;
      const eventId = idOf.get(planned)!;
      const room = roomOf.get(planned.roomPk)!;
      return {
        status: 'applied',
        eventId,
        event: planned.event,
        room: { pk: room.pk, appId: room.appId, roomId: room.roomId },
        changes: planned.changes.map((change) => ({ ...change, eventId })),
        late: planned.late,
        missingUpdates: planned.missingUpdates,
      };
    });
  });
}

/** The batch's state, and an event id for each of its events (duplicates leave theirs unused). */
async function loadState(tx: Transaction, events: RoomEvent[]): Promise<{ state: LoadedState; reservedIds: number[] }> {
  const roomRows = await lockRooms(tx, events);
  const rooms = new Map(roomRows.map((row) => [roomKey(row.appId, row.roomId), toRoomRecord(row)]));
  const pkOf = (event: RoomEvent) => rooms.get(roomKey(event.appId, event.roomId))!.pk;

  const lifecycleKeys = new Map<string, { roomPk: number; roomSeq: string }>();
  const wantLifecycle = (roomPk: number, roomSeq: string | null) => {
    if (roomSeq !== null) lifecycleKeys.set(lifecycleKey(roomPk, roomSeq), { roomPk, roomSeq });
  };
  for (const room of rooms.values()) wantLifecycle(room.pk, room.currentSeq);
  const memberKeys = new Map<string, { roomPk: number; userAccount: string }>();
  for (const event of events) {
    wantLifecycle(pkOf(event), event.roomSeq);
    if (event.type === 'room_login' || event.type === 'room_logout') {
      memberKeys.set(memberKey(pkOf(event), event.userAccount), { roomPk: pkOf(event), userAccount: event.userAccount });
    }
  }

  // The reads depend only on the locked rooms, so they go out together: one round trip, not one
  // each. Round trips, not rows, are what a batch costs (BENCHMARKS.md, ingest).
  const legacyLogouts = events.filter((e): e is Extract<RoomEvent, { type: 'room_logout' }> => e.type === 'room_logout' && e.loginAt === null);
  const [lifecycleRows, memberRows, stored, reservedIds, legacyPairs] = await Promise.all([
    findLifecycles(tx, [...lifecycleKeys.values()]),
    findMembers(tx, [...memberKeys.values()]),
    findStoredEvents(tx, events.map((e) => ({ appId: e.appId, roomId: e.roomId, dedupKey: dedupKey(e) }))),
    reserveEventIds(tx, events.length),
    Promise.all(
      legacyLogouts.map((event) =>
        findLoginBefore(tx, { ...event, sessionId: event.sessionId === NO_SESSION ? null : event.sessionId, before: new Date(event.logoutAt) }),
      ),
    ),
  ]);

  const legacyLogins = new Map<RoomEvent, PairedLogin>();
  legacyLogouts.forEach((event, i) => {
    const login = legacyPairs[i];
    if (login) legacyLogins.set(event, { sessionId: login.sessionId, loginAt: login.loginAt.getTime(), roleCode: login.roleCode });
  });

  const state: LoadedState = {
    rooms,
    lifecycles: new Map(lifecycleRows.map((row) => [lifecycleKey(row.roomPk, row.roomSeq), toLifecycleRecord(row)])),
    members: new Map(memberRows.map((row) => [memberKey(row.roomPk, row.userAccount), toMemberRecord(row)])),
    storedEvents: new Set(stored.map((s) => storedEventKey(rooms.get(roomKey(s.appId, s.roomId))!.pk, s.dedupKey))),
    legacyLogins,
  };
  return { state, reservedIds };
}

/** Writes the plan under the reserved ids; returns the ids of the stored events, in the plan's order. */
async function writePlan(tx: Transaction, plan: BatchPlan, reservedIds: number[]): Promise<number[]> {
  const eventIds = reservedIds.slice(0, plan.applied.length);
  const members = plan.members.map((m) => ({
    roomPk: m.roomPk,
    userAccount: m.userAccount,
    nickname: m.nickname,
    roleCode: m.roleCode,
    sessionId: m.session.sessionId,
    loginAt: toDate(m.session.loginAt),
    logoutAt: toDate(m.session.logoutAt),
  }));
  const changes = plan.applied.flatMap((planned, i) =>
    planned.changes.map((change) => ({
      roomPk: planned.roomPk,
      version: change.version,
      kind: change.kind,
      roomSeq: change.roomSeq,
      memberCount: change.memberCount,
      userAccount: change.member?.userAccount ?? null,
      nickname: change.member?.nickname ?? null,
      sessionId: change.member?.sessionId ?? null,
      roleCode: change.member?.roleCode ?? null,
      loginAt: toDate(change.member?.loginAt ?? null),
      eventId: eventIds[i]!,
    })),
  );
  // The writes go out together, one round trip for all, and PostgreSQL runs them in the order
  // issued: the events before the presence changes that reference them. Only saving the members
  // of a new lifecycle waits, for its closed room to be emptied first (same table).
  await Promise.all([
    insertRoomEvents(tx, plan.applied.map((planned, i) => ({ ...toEventRow(planned), id: eventIds[i]! }))),
    appendPresenceChanges(tx, changes),
    saveLifecycles(tx, plan.lifecycles.map((l) => toLifecycleRow(l.roomPk, l))),
    saveRoomStates(tx, plan.rooms.map((r) => ({ id: r.pk, currentSeq: r.currentSeq, version: r.version, memberCount: r.memberCount }))),
    clearMembers(tx, plan.clearedRooms).then(() => saveMembers(tx, members)),
  ]);
  return eventIds;
}

function toEventRow(planned: PlannedEvent): NewRoomEvent {
  const { event } = planned;
  const common = {
    event: event.type,
    appId: event.appId,
    roomId: event.roomId,
    roomSeq: event.roomSeq,
    eventAt: new Date(eventTime(event)),
    sentAt: new Date(event.sentAt),
    dedupKey: planned.dedupKey,
    payloadJson: event.payloadJson,
  };
  switch (event.type) {
    case 'room_login':
      return {
        ...common,
        userAccount: event.userAccount,
        nickname: event.nickname,
        sessionId: event.sessionId,
        roleCode: event.roleCode,
        loginAt: new Date(event.loginAt),
        userUpdateSeq: event.userUpdateSeq,
        relogin: event.relogin,
        authLevel: event.authLevel,
        callbackData: event.callbackData,
        roomName: event.roomName,
      };
    case 'room_logout':
      return {
        ...common,
        userAccount: event.userAccount,
        nickname: event.nickname,
        sessionId: event.sessionId,
        roleCode: planned.roleCode ?? 0,
        loginAt: toDate(planned.loginAt),
        logoutAt: new Date(event.logoutAt),
        logoutReason: event.reasonCode,
        userUpdateSeq: event.userUpdateSeq,
      };
    case 'room_create':
      return { ...common, createdBy: event.createdBy };
    case 'room_close':
      return { ...common, closeReason: event.closeReason };
  }
}

const toDate = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));
const toMs = (date: Date | null): number | null => (date === null ? null : date.getTime());

function toRoomRecord(row: RoomRow): RoomRecord {
  return { pk: row.id, appId: row.appId, roomId: row.roomId, currentSeq: row.currentSeq, version: row.version, memberCount: row.memberCount };
}

function toMemberRecord(row: MemberRow): MemberRecord {
  return {
    userAccount: row.userAccount,
    nickname: row.nickname,
    roleCode: row.roleCode,
    session: { sessionId: row.sessionId, loginAt: toMs(row.loginAt), logoutAt: toMs(row.logoutAt) },
  };
}

function toLifecycleRecord(row: LifecycleRow): LifecycleRecord {
  return {
    roomSeq: row.roomSeq,
    roomName: row.roomName,
    createdAt: toMs(row.createdAt),
    createdBy: row.createdBy,
    closedAt: toMs(row.closedAt),
    closeReason: row.closeReason,
    supersededAt: toMs(row.supersededAt),
    firstEventAt: row.firstEventAt.getTime(),
    lastEventAt: row.lastEventAt.getTime(),
    maxUpdateSeq: row.maxUpdateSeq,
  };
}

function toLifecycleRow(roomPk: number, record: LifecycleRecord): LifecycleRow {
  return {
    roomPk,
    roomSeq: record.roomSeq,
    roomName: record.roomName,
    createdAt: toDate(record.createdAt),
    createdBy: record.createdBy,
    closedAt: toDate(record.closedAt),
    closeReason: record.closeReason,
    supersededAt: toDate(record.supersededAt),
    firstEventAt: new Date(record.firstEventAt),
    lastEventAt: new Date(record.lastEventAt),
    maxUpdateSeq: record.maxUpdateSeq,
  };
}
