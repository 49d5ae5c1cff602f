import { describe, expect, it } from 'vitest';
import { createTrafficModel, type CallbackContent, type TrafficOptions, type TrueRoom } from '../scripts/simulator/traffic-model.js';

const options = (overrides: Partial<TrafficOptions> = {}): TrafficOptions => ({
  seed: 7,
  appId: '1',
  rooms: 8,
  users: 60,
  startAt: 1_760_000_000_000,
  stepMs: 20,
  prefix: 'sim',
  ...overrides,
});

function play(o: TrafficOptions, count: number): { events: CallbackContent[]; rooms: TrueRoom[] } {
  const model = createTrafficModel(o);
  const events = Array.from({ length: count }, () => model.next());
  events.push(...model.finish());
  return { events, rooms: model.rooms() };
}

interface ReplayedRoom {
  seq: string;
  isOpen: boolean;
  members: Map<string, { sessionId: string; loginAt: number; roleCode: number; nickname: string }>;
}

/**
 * Who is where after the callbacks, applied naively in their true order. Independent of the
 * model's own bookkeeping, and strict: it throws on any callback that is impossible in that order.
 */
function replay(events: CallbackContent[]): Map<string, ReplayedRoom> {
  const rooms = new Map<string, ReplayedRoom>();
  const lifecycles = new Map<string, { roomId: string; closed: boolean; updateSeq: number }>();
  const sessions = new Map<string, { seq: string; user: string; loginAt: string; role: string; loggedOut: boolean; replaced: boolean }>();
  const whereIs = new Map<string, string>();
  let lastTime = 0;
  const fail = (message: string, event: CallbackContent) => {
    throw new Error(`${message}: ${JSON.stringify(event)}`);
  };
  const nextUpdateSeq = (event: CallbackContent) => {
    const lifecycle = lifecycles.get(event.room_seq!)!;
    if (Number(event.user_update_seq) !== lifecycle.updateSeq + 1) fail(`user_update_seq ${event.user_update_seq} after ${lifecycle.updateSeq}`, event);
    lifecycle.updateSeq++;
  };
  for (const event of events) {
    const at = Number(event.room_create_time ?? event.room_close_time ?? (event.event === 'room_login' ? event.login_time : event.logout_time));
    if (!(at > lastTime)) fail('event times must increase', event);
    lastTime = at;
    const roomId = event.room_id!;
    const room = rooms.get(roomId);
    const seq = event.room_seq ?? event.room_session_id!;
    const lifecycle = lifecycles.get(seq);
    if (event.event === 'room_create') {
      if (lifecycle) fail('room_seq reused', event);
      if (room && room.isOpen && room.members.size > 0) fail('a room created while its lifecycle still has members', event);
      lifecycles.set(seq, { roomId, closed: false, updateSeq: 0 });
      rooms.set(roomId, { seq, isOpen: true, members: new Map() });
      continue;
    }
    if (!lifecycle || lifecycle.roomId !== roomId || room?.seq !== seq) fail('an event outside its room\'s current lifecycle', event);
    if (lifecycle!.closed) fail('an event after room_close', event);
    switch (event.event) {
      case 'room_login': {
        nextUpdateSeq(event);
        const user = event.user_account!;
        if (sessions.has(event.session_id!)) fail('session_id reused', event);
        const current = room!.members.get(user);
        if (event.relogin === '1') {
          if (!current) fail('a re-login of a user who is not in the room', event);
          sessions.get(current!.sessionId)!.replaced = true;
        } else if (current || whereIs.has(user)) fail('a first login of a user who is already in a room', event);
        sessions.set(event.session_id!, { seq, user, loginAt: event.login_time!, role: event.user_role!, loggedOut: false, replaced: false });
        room!.members.set(user, { sessionId: event.session_id!, loginAt: Number(event.login_time), roleCode: Number(event.user_role), nickname: event.user_nickname! });
        whereIs.set(user, roomId);
        break;
      }
      case 'room_logout': {
        nextUpdateSeq(event);
        const session = sessions.get(event.session_id!);
        if (!session || session.seq !== seq || session.user !== event.user_account) fail('a logout of a session never logged in here', event);
        if (session!.loggedOut) fail('a session logged out twice', event);
        if (session!.loginAt !== event.login_time || session!.role !== event.user_role) fail('a logout whose login_time or role differs from its login', event);
        if (!(Number(event.logout_time) > Number(event.login_time))) fail('a logout before its login', event);
        session!.loggedOut = true;
        if (room!.members.get(event.user_account!)?.sessionId === event.session_id) {
          room!.members.delete(event.user_account!);
          whereIs.delete(event.user_account!);
        } else if (!session!.replaced) fail('a logout of a session that is neither present nor replaced', event);
        break;
      }
      case 'room_close':
        if (room!.members.size > 0) fail('a room closed with members in it', event);
        lifecycle!.closed = true;
        room!.isOpen = false;
        break;
      default:
        fail('an unknown event', event);
    }
  }
  const owed = [...sessions.values()].filter((s) => s.replaced && !s.loggedOut);
  if (owed.length > 0) throw new Error(`${owed.length} replaced sessions never logged out`);
  return rooms;
}

const asTrueRooms = (replayed: Map<string, ReplayedRoom>): TrueRoom[] =>
  [...replayed.entries()]
    .map(([roomId, room]) => ({
      roomId,
      roomSeq: room.seq,
      isOpen: room.isOpen,
      members: [...room.members.entries()]
        .map(([userAccount, m]) => ({ userAccount, nickname: m.nickname, sessionId: m.sessionId, roleCode: m.roleCode, loginAt: m.loginAt }))
        .sort((a, b) => (a.userAccount < b.userAccount ? -1 : 1)),
    }))
    .sort((a, b) => (a.roomId < b.roomId ? -1 : 1));

describe('the traffic model', () => {
  it('plays the same callbacks for the same seed, and others for another seed', () => {
    const first = play(options(), 1500);
    expect(play(options(), 1500)).toEqual(first);
    const other = play(options({ seed: 8 }), 1500);
    expect(other.events.slice(0, 50)).not.toEqual(first.events.slice(0, 50));
  });

  it('knows the true membership: replaying its callbacks in order ends where it says, at any point', () => {
    const model = createTrafficModel(options());
    const events: CallbackContent[] = [];
    for (let i = 0; i < 3000; i++) {
      events.push(model.next());
      if (i % 250 === 249) {
        // Replay only needs the owed late logouts at the very end.
        const replayed = replay([...events, ...createTrafficModelCopyFinish(options(), events.length)]);
        expect(asTrueRooms(replayed)).toEqual(model.rooms());
      }
    }
  });

  it('keeps ZEGO\'s invariants: consecutive user_update_seq per lifecycle, one room per user, logouts of real sessions, nothing after a close', () => {
    for (const seed of [1, 2, 3]) {
      const { events, rooms } = play(options({ seed, rooms: 3, users: 12 }), 2000);
      expect(asTrueRooms(replay(events))).toEqual(rooms);
    }
  });

  it('uses 64-bit ids beyond 2^53 (some beyond 2^63) and never reuses one', () => {
    const { events } = play(options(), 3000);
    const seqs = events.filter((e) => e.event === 'room_create').map((e) => BigInt(e.room_session_id!));
    const sessions = events.filter((e) => e.event === 'room_login').map((e) => BigInt(e.session_id!));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(new Set(sessions).size).toBe(sessions.length);
    for (const id of [...seqs, ...sessions]) {
      expect(id > 2n ** 53n).toBe(true);
      expect(id < 2n ** 64n).toBe(true);
    }
    expect(seqs.some((seq) => seq >= 2n ** 63n)).toBe(true);
  });

  it('plays the realistic mix: every logout reason and role, re-logins with late logouts, rooms closing with and without room_close', () => {
    const { events } = play(options({ users: 40 }), 6000);
    const logouts = events.filter((e) => e.event === 'room_logout');
    expect(new Set(logouts.map((e) => e.reason))).toEqual(new Set(['0', '1', '2', '3', '4']));
    expect(new Set(events.filter((e) => e.event === 'room_login').map((e) => e.user_role))).toEqual(new Set(['1', '2', '4']));
    const normal = logouts.filter((e) => e.reason === '0').length / logouts.length;
    expect(normal).toBeGreaterThan(0.35);
    expect(normal).toBeLessThan(0.75);

    const relogins = events.filter((e) => e.event === 'room_login' && e.relogin === '1');
    expect(relogins.length).toBeGreaterThan(50);
    // A replaced session's logout arrives after the login that replaced it.
    const replacedLate = relogins.filter((login) => {
      const at = events.indexOf(login);
      return events.slice(at + 1).some((e) => e.event === 'room_logout' && e.user_account === login.user_account && e.session_id !== login.session_id && Number(e.login_time) < Number(login.login_time));
    });
    expect(replacedLate.length).toBe(relogins.length);

    const creates = events.filter((e) => e.event === 'room_create').length;
    const closes = events.filter((e) => e.event === 'room_close').length;
    expect(closes).toBeGreaterThan(10);
    // Some lifecycles end through the server API without a room_close: a later create replaces them.
    expect(creates).toBeGreaterThan(closes + 1);
  });

  it('gives events times from startAt, one step apart', () => {
    const { events } = play(options({ startAt: 1_800_000_000_000, stepMs: 5 }), 100);
    const first = events[0]!;
    expect(first.event).toBe('room_create');
    expect(first.room_create_time).toBe('1800000000000');
    expect(events[1]!.login_time).toBe('1800000000005');
  });
});

/** The late logouts a model of the same options would still owe after `count` callbacks. */
function createTrafficModelCopyFinish(o: TrafficOptions, count: number): CallbackContent[] {
  const copy = createTrafficModel(o);
  for (let i = 0; i < count; i++) copy.next();
  return copy.finish();
}
