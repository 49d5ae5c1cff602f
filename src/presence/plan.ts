import { dedupKey, eventTime, NO_SESSION, type RoomEvent } from './events.js';
import { classifyLifecycle, mergeLifecycleFact, updateSeqArrival, type LifecycleFact, type LifecycleRecord } from './lifecycle.js';
import { isPresent, membershipTransition, mergeSessionFact, type MemberSession, type SessionFact } from './membership.js';

/**
 * Planning a batch of events against the state loaded for their rooms: pure, no I/O. Events are
 * applied one after another to an in-memory copy of that state; the plan holds the rows to insert,
 * the final state of everything touched, and the presence changes each event caused.
 */

export type PresenceChangeKind = 'JOINED' | 'LEFT' | 'ROOM_CLOSED';

export interface PresentMember {
  userAccount: string;
  nickname: string;
  sessionId: string;
  roleCode: number;
  loginAt: number | null;
}

export interface PlannedChange {
  kind: PresenceChangeKind;
  /** Orders the changes of a room; the cursor subscribers resume from. */
  version: number;
  roomSeq: string;
  memberCount: number;
  member: PresentMember | null;
}

export interface RoomRecord {
  pk: number;
  appId: string;
  roomId: string;
  currentSeq: string | null;
  version: number;
  memberCount: number;
}

export interface MemberRecord {
  userAccount: string;
  nickname: string;
  roleCode: number;
  session: MemberSession;
}

/** The login a legacy logout (no login_time) ends. */
export interface PairedLogin {
  sessionId: string;
  loginAt: number;
  roleCode: number;
}

/** What the database holds for the rooms and users of a batch. */
export interface LoadedState {
  rooms: ReadonlyMap<string, RoomRecord>;
  /** By `lifecycleKey`: the current lifecycle of each room and those the events name. */
  lifecycles: ReadonlyMap<string, LifecycleRecord>;
  /** By `memberKey`: the rows of the users the events name. */
  members: ReadonlyMap<string, MemberRecord>;
  /** `storedEventKey`s of the batch's events already in the log. */
  storedEvents: ReadonlySet<string>;
  /** Stored logins of the batch's legacy logouts, for those with one. */
  legacyLogins: ReadonlyMap<RoomEvent, PairedLogin>;
}

export const roomKey = (appId: string, roomId: string) => `${appId}\u0000${roomId}`;
export const lifecycleKey = (roomPk: number, roomSeq: string) => `${roomPk}|${roomSeq}`;
export const memberKey = (roomPk: number, userAccount: string) => `${roomPk}|${userAccount}`;
export const storedEventKey = (roomPk: number, key: string) => `${roomPk}|${key}`;

export interface PlannedEvent {
  event: RoomEvent;
  roomPk: number;
  dedupKey: string;
  /** For a logout: when its session began, and the role, where the event itself does not say. */
  loginAt: number | null;
  roleCode: number | null;
  changes: PlannedChange[];
  /** Applied after a later event of its room: a reorder the ordering rules absorbed. */
  late: boolean;
  /** user_update_seq numbers this event showed to be missing. */
  missingUpdates: number;
}

export type PlannedOutcome = { status: 'duplicate' } | { status: 'applied'; planned: PlannedEvent };

export interface BatchPlan {
  /** One per event of the batch, in its order. */
  outcomes: PlannedOutcome[];
  /** Events to store, in order. */
  applied: PlannedEvent[];
  lifecycles: (LifecycleRecord & { roomPk: number })[];
  /** Rooms whose member rows all go before `members` are written. */
  clearedRooms: number[];
  members: (MemberRecord & { roomPk: number })[];
  rooms: RoomRecord[];
}

interface RoomWork {
  room: RoomRecord;
  cleared: boolean;
  lifecycles: Map<string, LifecycleRecord>;
  members: Map<string, MemberRecord | undefined>;
  touchedLifecycles: Set<string>;
  touchedMembers: Set<string>;
  touched: boolean;
}

export function planBatch(state: LoadedState, events: RoomEvent[]): BatchPlan {
  const work = new Map<string, RoomWork>();
  const seen = new Set<string>();
  const outcomes: PlannedOutcome[] = [];
  const applied: PlannedEvent[] = [];

  const roomWork = (event: RoomEvent): RoomWork => {
    const key = roomKey(event.appId, event.roomId);
    let w = work.get(key);
    if (!w) {
      const room = state.rooms.get(key);
      if (!room) throw new Error(`room ${event.appId}/${event.roomId} was not loaded`);
      w = {
        room: { ...room },
        cleared: false,
        lifecycles: new Map(),
        members: new Map(),
        touchedLifecycles: new Set(),
        touchedMembers: new Set(),
        touched: false,
      };
      work.set(key, w);
    }
    return w;
  };

  for (const event of events) {
    const w = roomWork(event);
    const key = dedupKey(event);
    const stored = storedEventKey(w.room.pk, key);
    if (state.storedEvents.has(stored) || seen.has(stored)) {
      outcomes.push({ status: 'duplicate' });
      continue;
    }
    seen.add(stored);
    const planned = planEvent(state, w, event, key, applied);
    applied.push(planned);
    outcomes.push({ status: 'applied', planned });
  }

  const plan: BatchPlan = { outcomes, applied, lifecycles: [], clearedRooms: [], members: [], rooms: [] };
  for (const w of work.values()) {
    if (!w.touched) continue;
    plan.rooms.push(w.room);
    if (w.cleared) plan.clearedRooms.push(w.room.pk);
    for (const seq of w.touchedLifecycles) plan.lifecycles.push({ ...w.lifecycles.get(seq)!, roomPk: w.room.pk });
    for (const user of w.touchedMembers) {
      const member = w.members.get(user);
      if (member) plan.members.push({ ...member, roomPk: w.room.pk });
    }
  }
  return plan;
}

function planEvent(state: LoadedState, w: RoomWork, event: RoomEvent, key: string, earlier: PlannedEvent[]): PlannedEvent {
  const { room } = w;
  const eventAt = eventTime(event);
  const lifecycle = (seq: string | null) => {
    if (seq === null) return undefined;
    if (!w.lifecycles.has(seq)) {
      const loaded = state.lifecycles.get(lifecycleKey(room.pk, seq));
      if (loaded) w.lifecycles.set(seq, { ...loaded });
    }
    return w.lifecycles.get(seq);
  };
  const member = (user: string) => {
    if (!w.members.has(user)) w.members.set(user, w.cleared ? undefined : state.members.get(memberKey(room.pk, user)));
    return w.members.get(user);
  };

  const current = lifecycle(room.currentSeq);
  const own = lifecycle(event.roomSeq);
  const role = classifyLifecycle(current, own !== undefined, event.roomSeq, eventAt);
  // Membership follows only the current lifecycle, and only while it is open.
  const tracksMembers = role === 'newer' || (role === 'current' && own?.closedAt === null);
  const changes: PlannedChange[] = [];
  const record = (kind: PresenceChangeKind, roomSeq: string, changed: PresentMember | null) => {
    room.version += 1;
    changes.push({ kind, version: room.version, roomSeq, memberCount: room.memberCount, member: changed });
  };
  w.touched = true;
  const updateSeq = event.type === 'room_login' || event.type === 'room_logout' ? event.userUpdateSeq : null;
  const arrival = updateSeqArrival(own, updateSeq);
  const arrivedLate = role === 'older' || arrival.late;

  const ownNext = mergeLifecycleFact(own, event.roomSeq, lifecycleFact(event, eventAt));
  if (role === 'older' && own === undefined && current !== undefined) ownNext.supersededAt = current.firstEventAt;
  w.lifecycles.set(event.roomSeq, ownNext);
  w.touchedLifecycles.add(event.roomSeq);

  const supersedes = role === 'newer' && current !== undefined;
  if (supersedes) {
    w.lifecycles.set(current.roomSeq, { ...current, supersededAt: eventAt });
    w.touchedLifecycles.add(current.roomSeq);
  }
  const closes = event.type === 'room_close' && role !== 'older' && own?.closedAt == null;
  if (supersedes || closes) {
    const hadMembers = room.memberCount > 0;
    w.cleared = true;
    w.members.clear();
    w.touchedMembers.clear();
    room.memberCount = 0;
    // One ROOM_CLOSED for the whole room, never a LEFT per member.
    if (closes || hadMembers) record('ROOM_CLOSED', closes ? event.roomSeq : current!.roomSeq, null);
  }
  if (role === 'newer') room.currentSeq = event.roomSeq;

  if (event.type !== 'room_login' && event.type !== 'room_logout') {
    return { event, roomPk: room.pk, dedupKey: key, loginAt: null, roleCode: null, changes, late: arrivedLate, missingUpdates: 0 };
  }

  const before = tracksMembers ? member(event.userAccount) : undefined;
  const paired =
    event.type === 'room_logout' && event.loginAt === null ? pairLegacyLogout(state, event, before, earlier) : undefined;
  const roleCode = event.roleCode ?? before?.roleCode ?? paired?.roleCode ?? 0;

  if (tracksMembers) {
    const after = mergeSessionFact(before?.session, sessionFact(event, paired));
    if (after !== undefined) {
      const next: MemberRecord = {
        userAccount: event.userAccount,
        nickname: event.type === 'room_login' || !before ? event.nickname : before.nickname,
        roleCode,
        session: after,
      };
      w.members.set(event.userAccount, next);
      w.touchedMembers.add(event.userAccount);
      const changed: PresentMember = {
        userAccount: next.userAccount,
        nickname: next.nickname,
        sessionId: after.sessionId,
        roleCode,
        loginAt: after.loginAt,
      };
      const transition = membershipTransition(before?.session, after);
      if (transition === 'joined') {
        if (!isPresent(before?.session)) room.memberCount += 1;
        record('JOINED', event.roomSeq, changed);
      } else if (transition === 'left') {
        room.memberCount -= 1;
        record('LEFT', event.roomSeq, changed);
      }
    }
  }
  const loginAt = event.type === 'room_logout' ? (event.loginAt ?? paired?.loginAt ?? null) : event.loginAt;
  return { event, roomPk: room.pk, dedupKey: key, loginAt, roleCode, changes, late: arrivedLate, missingUpdates: arrival.missing };
}

/**
 * ZEGO's older logout callback has no login_time and sends session "0": pair it with the user's
 * login in that lifecycle (the same session where one is named) to learn when it began, looking
 * at the member's row, the logins stored before, and those earlier in this batch.
 */
function pairLegacyLogout(
  state: LoadedState,
  event: RoomEvent & { type: 'room_logout' },
  member: MemberRecord | undefined,
  earlier: PlannedEvent[],
): PairedLogin | undefined {
  const named = event.sessionId === NO_SESSION ? null : event.sessionId;
  const fits = (sessionId: string, loginAt: number | null): loginAt is number =>
    loginAt !== null && loginAt <= event.logoutAt && (named === null || sessionId === named);
  const candidates: PairedLogin[] = [];
  if (member && fits(member.session.sessionId, member.session.loginAt)) {
    candidates.push({ sessionId: member.session.sessionId, loginAt: member.session.loginAt!, roleCode: member.roleCode });
  }
  const stored = state.legacyLogins.get(event);
  if (stored) candidates.push(stored);
  for (const { event: e } of earlier) {
    if (e.type === 'room_login' && e.appId === event.appId && e.roomId === event.roomId && e.roomSeq === event.roomSeq && e.userAccount === event.userAccount && fits(e.sessionId, e.loginAt)) {
      candidates.push({ sessionId: e.sessionId, loginAt: e.loginAt, roleCode: e.roleCode });
    }
  }
  return candidates.reduce<PairedLogin | undefined>((best, c) => (!best || c.loginAt > best.loginAt ? c : best), undefined);
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
      return { kind: 'user', eventAt, roomName: event.roomName, updateSeq: event.userUpdateSeq };
    case 'room_logout':
      return { kind: 'user', eventAt, roomName: null, updateSeq: event.userUpdateSeq };
  }
}
