import { Dice } from './dice.js';

/**
 * Room life as ZEGO reports it, played in true order: rooms created by their first login and
 * closed after their last logout, users joining with roles, re-logins whose replaced session
 * logs out later, logouts for the documented reasons, rooms closed through the server API (with
 * or without a room_close). No clock, no I/O: the same options give the same callbacks, and the
 * model knows at every point who is truly in which room.
 */

/** A callback's content, every value a string as ZEGO sends it; delivery adds timestamp, nonce and signature. */
export type CallbackContent = Record<string, string>;

export interface TrafficOptions {
  seed: number;
  appId: string;
  rooms: number;
  users: number;
  /** Event time of the first callback, in ms. */
  startAt: number;
  /** Event time between two callbacks, in ms; at least 1, so that no two events share a millisecond. */
  stepMs: number;
  /** Starts every room and user id, so that runs side by side do not share rooms. */
  prefix: string;
}

export interface TrueMember {
  userAccount: string;
  nickname: string;
  sessionId: string;
  roleCode: number;
  loginAt: number;
}

/** A room as the service should show it: its current lifecycle, whether a room_close ended it, who is in it. */
export interface TrueRoom {
  roomId: string;
  roomSeq: string;
  isOpen: boolean;
  members: TrueMember[];
}

export interface TrafficModel {
  /** The next callback in true order. */
  next(): CallbackContent;
  /** The callbacks still owed at the end (late logouts of replaced sessions), in true order. */
  finish(): CallbackContent[];
  /** The true state of every room played so far, by roomId. */
  rooms(): TrueRoom[];
}

export const ROLE = { host: 1, audience: 2, admin: 4 } as const;

/** Most users leave normally; many drop off a mobile network; a few are kicked or their token expires. */
export const LOGOUT_REASON_MIX = [
  [0, 55],
  [1, 10],
  [2, 25],
  [3, 5],
  [4, 5],
] as const;

/** The first user of a lifecycle creates the room and hosts it; later ones are mostly audience. */
const JOINING_ROLE_MIX = [
  [ROLE.audience, 88],
  [ROLE.admin, 6],
  [ROLE.host, 6],
] as const;

/** A replaced session is noticed by a heartbeat timeout or a dropped connection. */
const REPLACED_SESSION_REASONS = [1, 2] as const;
/** How many callbacks later a replaced session's logout comes. */
const LATE_LOGOUT_DELAY = { min: 1, max: 15 } as const;
/** Closing a room through the server API sends a room_close only if the call asks for one. */
const API_CLOSE_SENDS_ROOM_CLOSE = 0.5;
const KICKED_OUT = 3;
/** room_close reasons: normal, last heartbeat timed out, last user offline, last user kicked. */
const CLOSE_REASON_BY_LAST_LOGOUT: Record<number, number> = { 0: 0, 1: 1, 2: 2, 3: 3, 4: 0 };

// ZEGO's 64-bit ids look time-based; ours are too (ms since 2015 above 22 random bits), so that
// runs on different days never reuse a lifecycle or session id, while a run stays reproducible.
const ID_EPOCH_MS = Date.UTC(2015, 0, 1);

const NAMES = ['Ana', 'Bilal', 'Chen Wei', 'Dara', 'Émile', 'Farah', 'Gus', 'Hana', 'Ines', 'Jonas', 'Kofi', 'Lea', 'Mateo', 'Nia', 'Omar', 'Priya', 'Rui', 'Sana', 'Tomás', 'Uma', 'Vik', 'Wen', 'Yuki', 'Zoë', '小明', 'Søren'];
const ROOM_NAMES = ['Lobby', 'Karaoke', 'Study hall', 'Game night', 'Q&A', 'Open mic', 'Book club', 'Late show'];

interface Session {
  user: number;
  sessionId: string;
  loginAt: number;
  roleCode: number;
}

interface Lifecycle {
  seq: string;
  userUpdateSeq: number;
  members: Map<number, Session>;
  /** A room_close was sent for it. */
  closed: boolean;
  /** Nobody can join it any more: the next login creates a new lifecycle. */
  ended: boolean;
}

interface Room {
  index: number;
  roomId: string;
  roomName: string;
  lifecycle: Lifecycle | null;
}

interface LateLogout {
  room: Room;
  lifecycle: Lifecycle;
  session: Session;
  reason: number;
  /** Sent once this many callbacks have been played. */
  due: number;
}

/** A set of user indices with constant-time add, delete and random pick. */
class UserPool {
  private readonly items: number[] = [];
  private readonly positions = new Map<number, number>();

  constructor(initial: Iterable<number> = []) {
    for (const item of initial) this.add(item);
  }

  get size(): number {
    return this.items.length;
  }

  add(item: number): void {
    this.positions.set(item, this.items.length);
    this.items.push(item);
  }

  delete(item: number): void {
    const at = this.positions.get(item)!;
    const last = this.items.pop()!;
    if (last !== item) {
      this.items[at] = last;
      this.positions.set(last, at);
    }
    this.positions.delete(item);
  }

  pick(dice: Dice): number {
    return dice.pick(this.items);
  }
}

export function createTrafficModel(options: TrafficOptions): TrafficModel {
  if (options.rooms < 1 || options.users < 1) throw new Error('the traffic needs at least one room and one user');
  if (!(options.stepMs >= 1)) throw new Error('stepMs must be at least 1');
  const dice = Dice.of(options.seed);
  const width = (n: number) => String(n - 1).length;
  const rooms: Room[] = Array.from({ length: options.rooms }, (_, index) => ({
    index,
    roomId: `${options.prefix}-room-${String(index).padStart(width(options.rooms), '0')}`,
    roomName: `${ROOM_NAMES[index % ROOM_NAMES.length]} ${index + 1}`,
    lifecycle: null,
  }));
  const users = Array.from({ length: options.users }, (_, index) => ({
    account: `${options.prefix}-user-${String(index).padStart(width(options.users), '0')}`,
    nickname: `${dice.pick(NAMES)} ${index + 1}`,
  }));
  // A few rooms draw most people (weights 1, 1/2, 1/3, ...), as in any app with rooms.
  const roomPopularity = rooms.map((room) => [room, 1 / (room.index + 1)] as const);

  const absent = new UserPool(users.keys());
  const present = new UserPool();
  const roomOfUser = new Map<number, Room>();
  let lateLogouts: LateLogout[] = [];
  let played = 0;
  let clock = options.startAt - options.stepMs;
  const queue: CallbackContent[] = [];
  const tick = () => (clock += options.stepMs);
  const timeBasedId = (at: number) => (BigInt(at - ID_EPOCH_MS) << 22n) | dice.bits(22);

  const common = (event: string, room: Room) => ({ event, appid: options.appId, room_id: room.roomId });

  function sendLogin(room: Room, lifecycle: Lifecycle, session: Session, relogin: boolean): void {
    const user = users[session.user]!;
    queue.push({
      ...common('room_login', room),
      room_name: room.roomName,
      room_seq: lifecycle.seq,
      user_account: user.account,
      user_nickname: user.nickname,
      session_id: session.sessionId,
      login_time: String(session.loginAt),
      user_role: String(session.roleCode),
      auth_level: '1',
      relogin: relogin ? '1' : '0',
      user_update_seq: String(++lifecycle.userUpdateSeq),
      callback_data: '',
    });
  }

  function sendLogout(room: Room, lifecycle: Lifecycle, session: Session, reason: number): void {
    const user = users[session.user]!;
    queue.push({
      ...common('room_logout', room),
      room_seq: lifecycle.seq,
      user_account: user.account,
      user_nickname: user.nickname,
      session_id: session.sessionId,
      login_time: String(session.loginAt),
      logout_time: String(tick()),
      reason: String(reason),
      user_role: String(session.roleCode),
      user_update_seq: String(++lifecycle.userUpdateSeq),
    });
  }

  function sendClose(room: Room, lifecycle: Lifecycle, closeReason: number): void {
    queue.push({
      ...common('room_close', room),
      room_session_id: lifecycle.seq,
      close_reason: String(closeReason),
      room_close_time: String(tick()),
    });
    lifecycle.closed = true;
    lifecycle.ended = true;
  }

  /** A lifecycle's replaced sessions time out before the room can close. */
  function sendLateLogoutsOf(lifecycle: Lifecycle): void {
    for (const late of lateLogouts.filter((l) => l.lifecycle === lifecycle)) sendLogout(late.room, late.lifecycle, late.session, late.reason);
    lateLogouts = lateLogouts.filter((l) => l.lifecycle !== lifecycle);
  }

  function leave(user: number): { room: Room; lifecycle: Lifecycle; session: Session } {
    const room = roomOfUser.get(user)!;
    const lifecycle = room.lifecycle!;
    const session = lifecycle.members.get(user)!;
    lifecycle.members.delete(user);
    roomOfUser.delete(user);
    present.delete(user);
    absent.add(user);
    return { room, lifecycle, session };
  }

  function login(): void {
    const user = absent.pick(dice);
    const room = dice.weighted(roomPopularity);
    let lifecycle = room.lifecycle;
    let roleCode: number;
    if (lifecycle === null || lifecycle.ended) {
      const createdAt = tick();
      lifecycle = {
        // Half of them above 2^63, where a signed bigint column would overflow.
        seq: ((dice.bits(1) << 63n) | timeBasedId(createdAt)).toString(),
        userUpdateSeq: 0,
        members: new Map(),
        closed: false,
        ended: false,
      };
      room.lifecycle = lifecycle;
      queue.push({
        ...common('room_create', room),
        room_session_id: lifecycle.seq,
        room_create_time: String(createdAt),
        id_name: users[user]!.account,
      });
      roleCode = ROLE.host;
    } else {
      roleCode = dice.weighted(JOINING_ROLE_MIX);
    }
    const loginAt = tick();
    const session = { user, sessionId: timeBasedId(loginAt).toString(), loginAt, roleCode };
    lifecycle.members.set(user, session);
    roomOfUser.set(user, room);
    absent.delete(user);
    present.add(user);
    sendLogin(room, lifecycle, session, false);
  }

  function logout(): void {
    const { room, lifecycle, session } = leave(present.pick(dice));
    const reason = dice.weighted(LOGOUT_REASON_MIX);
    sendLogout(room, lifecycle, session, reason);
    if (lifecycle.members.size === 0) {
      sendLateLogoutsOf(lifecycle);
      sendClose(room, lifecycle, CLOSE_REASON_BY_LAST_LOGOUT[reason] ?? 0);
    }
  }

  /** The user's app reconnects with a new session; the old one is only noticed as gone later. */
  function relogin(): void {
    const user = present.pick(dice);
    const room = roomOfUser.get(user)!;
    const lifecycle = room.lifecycle!;
    const replaced = lifecycle.members.get(user)!;
    const loginAt = tick();
    const session = { ...replaced, sessionId: timeBasedId(loginAt).toString(), loginAt };
    lifecycle.members.set(user, session);
    sendLogin(room, lifecycle, session, true);
    lateLogouts.push({
      room,
      lifecycle,
      session: replaced,
      reason: dice.pick(REPLACED_SESSION_REASONS),
      due: played + dice.int(LATE_LOGOUT_DELAY.min, LATE_LOGOUT_DELAY.max),
    });
  }

  /** An operator closes a room through ZEGO's server API: everyone is kicked out. */
  function closeThroughApi(): void {
    const room = dice.pick(rooms.filter((r) => r.lifecycle !== null && !r.lifecycle.ended));
    const lifecycle = room.lifecycle!;
    for (const user of [...lifecycle.members.keys()]) {
      const left = leave(user);
      sendLogout(room, lifecycle, left.session, KICKED_OUT);
    }
    sendLateLogoutsOf(lifecycle);
    if (dice.chance(API_CLOSE_SENDS_ROOM_CLOSE)) sendClose(room, lifecycle, 0);
    else lifecycle.ended = true;
  }

  function act(): void {
    // Weights keep about 60% of the users in rooms once the traffic has settled.
    const presentShare = present.size / options.users;
    const action = dice.weighted([
      [login, 50 * (1 - presentShare)],
      [logout, 33 * presentShare],
      [relogin, 8 * presentShare],
      [closeThroughApi, present.size > 0 ? 0.4 : 0],
    ]);
    action();
  }

  function dueLateLogout(): LateLogout | undefined {
    const at = lateLogouts.findIndex((late) => late.due <= played);
    return at < 0 ? undefined : lateLogouts.splice(at, 1)[0];
  }

  return {
    next() {
      if (queue.length === 0) {
        const late = dueLateLogout();
        if (late) sendLogout(late.room, late.lifecycle, late.session, late.reason);
        else act();
      }
      played++;
      return queue.shift()!;
    },
    finish() {
      const owed = [...lateLogouts].sort((a, b) => a.due - b.due);
      lateLogouts = [];
      for (const late of owed) sendLogout(late.room, late.lifecycle, late.session, late.reason);
      const rest = queue.splice(0);
      played += rest.length;
      return rest;
    },
    rooms() {
      return rooms
        .filter((room) => room.lifecycle !== null)
        .map((room) => {
          const lifecycle = room.lifecycle!;
          return {
            roomId: room.roomId,
            roomSeq: lifecycle.seq,
            isOpen: !lifecycle.closed,
            members: [...lifecycle.members.values()]
              .map((session) => ({
                userAccount: users[session.user]!.account,
                nickname: users[session.user]!.nickname,
                sessionId: session.sessionId,
                roleCode: session.roleCode,
                loginAt: session.loginAt,
              }))
              .sort((a, b) => (a.userAccount < b.userAccount ? -1 : a.userAccount > b.userAccount ? 1 : 0)),
          };
        })
        .sort((a, b) => (a.roomId < b.roomId ? -1 : 1));
    },
  };
}
