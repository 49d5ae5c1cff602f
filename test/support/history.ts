import fc from 'fast-check';
import { closeEvent, createEvent, loginEvent, logoutEvent, type Fields } from './zego.js';

/**
 * Generated room histories in their true order, with the membership they must end in. The
 * traps of ZEGO's delivery are built in: re-logins whose replaced session logs out later, a
 * closed lifecycle followed by a new one, users coming back.
 */

export interface UserAction {
  user: number;
  kind: 'login' | 'relogin' | 'logout';
  reason: number;
  /** For a re-login: whether the replaced session's logout is sent, after the new login. */
  lateLogout: boolean;
}

export interface HistoryShape {
  first: UserAction[];
  closeFirst: boolean;
  second: UserAction[];
  closeSecond: boolean;
}

export const historyShape: fc.Arbitrary<HistoryShape> = fc.record({
  first: fc.array(
    fc.record({
      user: fc.integer({ min: 0, max: 3 }),
      kind: fc.constantFrom('login' as const, 'relogin' as const, 'logout' as const),
      reason: fc.integer({ min: 0, max: 5 }),
      lateLogout: fc.boolean(),
    }),
    { minLength: 1, maxLength: 14 },
  ),
  closeFirst: fc.boolean(),
  second: fc.array(
    fc.record({
      user: fc.integer({ min: 0, max: 3 }),
      kind: fc.constantFrom('login' as const, 'relogin' as const, 'logout' as const),
      reason: fc.integer({ min: 0, max: 5 }),
      lateLogout: fc.boolean(),
    }),
    { maxLength: 8 },
  ),
  closeSecond: fc.boolean(),
});

export interface ExpectedMember {
  userAccount: string;
  sessionId: string;
  loginAt: number;
}

export interface History {
  events: Fields[];
  /** Who is present at the end, by the model (independent of the service). */
  members: ExpectedMember[];
  finalSeq: string;
}

/** Plays a shape out in true time order: every event 1 s after the previous one. */
export function buildHistory(shape: HistoryShape, room: { appId: string; roomId: string }): History {
  const events: Fields[] = [];
  let clock = 1_700_000_000_000;
  let sessionCounter = 10n ** 18n; // above 2^53 on purpose
  const tick = () => (clock += 1000);
  let members = new Map<number, { sessionId: string; loginAt: number }>();

  const playLifecycle = (seq: string, actions: UserAction[], close: boolean) => {
    let updateSeq = 0;
    members = new Map();
    events.push(createEvent({ ...room, seq, at: tick() }));
    for (const action of actions) {
      const user = `user-${action.user}`;
      const current = members.get(action.user);
      if (action.kind === 'logout') {
        if (!current) continue;
        events.push(
          logoutEvent({ ...room, seq, user, session: current.sessionId, loginAt: current.loginAt, at: tick(), updateSeq: ++updateSeq, reason: action.reason }),
        );
        members.delete(action.user);
        continue;
      }
      const session = String((sessionCounter += 7n));
      const loginAt = tick();
      events.push(loginEvent({ ...room, seq, user, session, at: loginAt, updateSeq: ++updateSeq, relogin: action.kind === 'relogin' && !!current }));
      members.set(action.user, { sessionId: session, loginAt });
      if (action.kind === 'relogin' && current && action.lateLogout) {
        // The replaced session times out after the new login: it must not remove the user.
        events.push(
          logoutEvent({ ...room, seq, user, session: current.sessionId, loginAt: current.loginAt, at: tick(), updateSeq: ++updateSeq, reason: 1 }),
        );
      }
    }
    if (close) {
      events.push(closeEvent({ ...room, seq, at: tick(), reason: 0 }));
      members = new Map();
    }
  };

  playLifecycle('9223372036854775809', shape.first, shape.closeFirst); // above 2^63: numeric, not bigint
  const hasSecond = shape.second.length > 0;
  if (hasSecond) playLifecycle('1234567890123456789', shape.second, shape.closeSecond);

  return {
    events,
    members: [...members.entries()]
      .map(([user, m]) => ({ userAccount: `user-${user}`, sessionId: m.sessionId, loginAt: m.loginAt }))
      .sort((a, b) => a.userAccount.localeCompare(b.userAccount)),
    finalSeq: hasSecond ? '1234567890123456789' : '9223372036854775809',
  };
}

/** A delivery order: a permutation of the events, some of them delivered more than once. */
export const deliveryOrder = (size: number) =>
  fc.record({
    order: fc.shuffledSubarray([...Array(size).keys()], { minLength: size, maxLength: size }),
    repeats: fc.array(fc.integer({ min: 0, max: Math.max(0, size - 1) }), { maxLength: Math.ceil(size / 3) }),
  });

export function applyOrder<T>(items: T[], delivery: { order: number[]; repeats: number[] }): T[] {
  const sequence = delivery.order.map((i) => items[i]!);
  for (const [k, i] of delivery.repeats.entries()) {
    sequence.splice((k * 7919) % (sequence.length + 1), 0, items[i]!);
  }
  return sequence;
}
