import type { Database, Transaction } from '../db/client.js';
import { findLoginBefore, insertRoomEvent, type NewRoomEvent } from '../db/room-events.js';
import {
  appendPresenceChanges,
  clearMembers,
  findLifecycles,
  findMember,
  lockRoom,
  saveLifecycle,
  saveMember,
  saveRoomState,
  type LifecycleRow,
  type MemberRow,
} from '../db/room-state.js';
import { dedupKey, eventTime, NO_SESSION, type RoomEvent, type RoomLogout } from './events.js';
import { classifyLifecycle, mergeLifecycleFact, type LifecycleFact, type LifecycleRecord } from './lifecycle.js';
import { isPresent, membershipTransition, mergeSessionFact, type MemberSession, type SessionFact } from './membership.js';

export type PresenceChangeKind = 'JOINED' | 'LEFT' | 'ROOM_CLOSED';

export interface PresentMember {
  userAccount: string;
  nickname: string;
  sessionId: string;
  roleCode: number;
  loginAt: number | null;
}

/** One change of a room's membership, as applied: `version` orders the changes of a room. */
export interface AppliedPresenceChange {
  kind: PresenceChangeKind;
  version: number;
  roomSeq: string;
  memberCount: number;
  member: PresentMember | null;
  /** The callback that caused it; for LEFT, the logout. */
  eventId: number;
}

export interface RoomRef {
  pk: number;
  appId: string;
  roomId: string;
}

export type AppliedEvent = { status: 'applied'; eventId: number; event: RoomEvent; room: RoomRef; changes: AppliedPresenceChange[] };
export type ApplyOutcome = { status: 'duplicate' } | AppliedEvent;

/** Runs inside the transaction, after the event is applied and before it commits (e.g. to queue a notice). */
export type BeforeCommit = (tx: Transaction, applied: AppliedEvent) => Promise<void>;

/**
 * Applies one room event in one transaction: stores it in the event log (once, whatever the number
 * of deliveries), merges it into the room's lifecycle and membership, and records the presence
 * changes it causes. Concurrent events of one room wait for each other on the room's row lock.
 */
export async function applyRoomEvent(db: Database, event: RoomEvent, beforeCommit?: BeforeCommit): Promise<ApplyOutcome> {
  return db.transaction(async (tx) => {
    const outcome = await applyInTransaction(tx, event);
    if (outcome.status === 'applied' && beforeCommit) await beforeCommit(tx, outcome);
    return outcome;
  });
}

async function applyInTransaction(tx: Transaction, event: RoomEvent): Promise<ApplyOutcome> {
  const room = await lockRoom(tx, event.appId, event.roomId);
  const eventAt = eventTime(event);

  const wanted = room.currentSeq === null || room.currentSeq === event.roomSeq ? [event.roomSeq] : [event.roomSeq, room.currentSeq];
  const lifecycles = (await findLifecycles(tx, room.id, wanted)).map(toLifecycleRecord);
  const current = lifecycles.find((l) => l.roomSeq === room.currentSeq);
  const own = lifecycles.find((l) => l.roomSeq === event.roomSeq);
  const role = classifyLifecycle(current, own !== undefined, event.roomSeq, eventAt);
  // Membership follows only the current lifecycle, and only while it is open.
  const tracksMembers = role === 'newer' || (role === 'current' && own?.closedAt === null);

  const isUserEvent = event.type === 'room_login' || event.type === 'room_logout';
  const memberRow = isUserEvent && role === 'current' && tracksMembers ? await findMember(tx, room.id, event.userAccount) : undefined;
  const pairedLogin = event.type === 'room_logout' && event.loginAt === null ? await pairLegacyLogout(tx, event, memberRow) : undefined;

  const eventId = await insertRoomEvent(tx, toEventRow(event, eventAt, pairedLogin, memberRow));
  if (eventId === null) return { status: 'duplicate' };

  const ownNext = mergeLifecycleFact(own, event.roomSeq, lifecycleFact(event, eventAt));
  if (role === 'older' && own === undefined && current !== undefined) ownNext.supersededAt = current.firstEventAt;
  await saveLifecycle(tx, toLifecycleRow(room.id, ownNext));

  let { version, memberCount } = room;
  const changes: AppliedPresenceChange[] = [];
  const record = (kind: PresenceChangeKind, roomSeq: string, member: PresentMember | null) => {
    version += 1;
    changes.push({ kind, version, roomSeq, memberCount, member, eventId });
  };

  const supersedes = role === 'newer' && current !== undefined;
  if (supersedes) await saveLifecycle(tx, toLifecycleRow(room.id, { ...current, supersededAt: eventAt }));
  const closes = event.type === 'room_close' && role !== 'older' && own?.closedAt == null;
  if (supersedes || closes) {
    const hadMembers = memberCount > 0;
    await clearMembers(tx, room.id);
    memberCount = 0;
    // One ROOM_CLOSED for the whole room, never a LEFT per member.
    if (closes || hadMembers) record('ROOM_CLOSED', closes ? event.roomSeq : current!.roomSeq, null);
  }

  if (isUserEvent && tracksMembers) {
    const before = memberRow && toMemberSession(memberRow);
    const after = mergeSessionFact(before, sessionFact(event, pairedLogin));
    if (after !== undefined) {
      const member: PresentMember = {
        userAccount: event.userAccount,
        nickname: event.type === 'room_login' || !memberRow ? event.nickname : memberRow.nickname,
        sessionId: after.sessionId,
        roleCode: event.roleCode ?? memberRow?.roleCode ?? pairedLogin?.roleCode ?? 0,
        loginAt: after.loginAt,
      };
      await saveMember(tx, {
        roomPk: room.id,
        ...member,
        loginAt: toDate(after.loginAt),
        logoutAt: toDate(after.logoutAt),
      });
      const transition = membershipTransition(before, after);
      if (transition === 'joined') {
        if (!isPresent(before)) memberCount += 1;
        record('JOINED', event.roomSeq, member);
      } else if (transition === 'left') {
        memberCount -= 1;
        record('LEFT', event.roomSeq, member);
      }
    }
  }

  await saveRoomState(tx, room.id, {
    currentSeq: role === 'newer' ? event.roomSeq : room.currentSeq,
    version,
    memberCount,
  });
  await appendPresenceChanges(
    tx,
    changes.map((change) => ({
      roomPk: room.id,
      version: change.version,
      kind: change.kind,
      roomSeq: change.roomSeq,
      memberCount: change.memberCount,
      userAccount: change.member?.userAccount ?? null,
      nickname: change.member?.nickname ?? null,
      sessionId: change.member?.sessionId ?? null,
      roleCode: change.member?.roleCode ?? null,
      loginAt: toDate(change.member?.loginAt ?? null),
      eventId,
    })),
  );
  return { status: 'applied', eventId, event, room: { pk: room.id, appId: room.appId, roomId: room.roomId }, changes };
}

interface PairedLogin {
  sessionId: string;
  loginAt: number;
  roleCode: number;
}

/**
 * ZEGO's older logout callback has no login_time and sends session "0": pair it with the user's
 * stored login in that lifecycle (the same session where one is named) to learn when it began.
 */
async function pairLegacyLogout(tx: Transaction, event: RoomLogout, memberRow: MemberRow | undefined): Promise<PairedLogin | undefined> {
  const named = event.sessionId === NO_SESSION ? null : event.sessionId;
  if (memberRow?.loginAt && memberRow.loginAt.getTime() <= event.logoutAt && (named === null || memberRow.sessionId === named)) {
    return { sessionId: memberRow.sessionId, loginAt: memberRow.loginAt.getTime(), roleCode: memberRow.roleCode };
  }
  const stored = await findLoginBefore(tx, { ...event, sessionId: named, before: new Date(event.logoutAt) });
  return stored && { sessionId: stored.sessionId, loginAt: stored.loginAt.getTime(), roleCode: stored.roleCode };
}

function sessionFact(event: RoomEvent & { type: 'room_login' | 'room_logout' }, paired: PairedLogin | undefined): SessionFact {
  if (event.type === 'room_login') return { kind: 'login', sessionId: event.sessionId, loginAt: event.loginAt };
  if (event.loginAt !== null) return { kind: 'logout', sessionId: event.sessionId, loginAt: event.loginAt, logoutAt: event.logoutAt };
  if (paired) return { kind: 'logout', sessionId: paired.sessionId, loginAt: paired.loginAt, logoutAt: event.logoutAt };
  return { kind: 'legacy-logout', sessionId: event.sessionId, logoutAt: event.logoutAt };
}

function lifecycleFact(event: RoomEvent, eventAt: number): LifecycleFact {
  switch (event.type) {
    case 'room_create':
      return { kind: 'create', eventAt, createdBy: event.createdBy };
    case 'room_close':
      return { kind: 'close', eventAt, closeReason: event.closeReason };
    case 'room_login':
      return { kind: 'user', eventAt, roomName: event.roomName };
    case 'room_logout':
      return { kind: 'user', eventAt, roomName: null };
  }
}

function toEventRow(event: RoomEvent, eventAt: number, paired: PairedLogin | undefined, memberRow: MemberRow | undefined): NewRoomEvent {
  const common = {
    event: event.type,
    appId: event.appId,
    roomId: event.roomId,
    roomSeq: event.roomSeq,
    eventAt: new Date(eventAt),
    sentAt: new Date(event.sentAt),
    dedupKey: dedupKey(event),
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
        roleCode: event.roleCode ?? paired?.roleCode ?? memberRow?.roleCode ?? 0,
        loginAt: toDate(event.loginAt ?? paired?.loginAt ?? null),
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

function toMemberSession(row: MemberRow): MemberSession {
  return { sessionId: row.sessionId, loginAt: toMs(row.loginAt), logoutAt: toMs(row.logoutAt) };
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
  };
}
