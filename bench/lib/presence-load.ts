import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { loginEvent, logoutEvent, signed, type Fields } from '../../test/support/zego.js';
import { postJson } from './json-post.js';
import { BENCH_SECRET } from './service.js';

/**
 * Presence changes at a steady rate, as ZEGO delivers them: signed login and logout callbacks on
 * a fixed schedule (open loop: a slow answer never delays the next send), dealt round-robin over
 * the rooms. In each room, users log in and out in turn, so every callback changes presence once.
 */

export interface PresenceLoadOptions {
  rooms: readonly string[];
  appId: string;
  perSecond: number;
  seconds: number;
  /** Makes this run's users distinct from every other run's. */
  label: string;
}

export interface PresenceLoad {
  /** Send time of each change, by `${roomId}|${userAccount}|${JOINED or LEFT}`. */
  sentAt: Map<string, number>;
  /** When each change's callback was answered (committed), by the same keys and clock. */
  answeredAt: Map<string, number>;
  callbacks: number;
  /** Callbacks per second actually sent, first to last. */
  achievedPerSecond: number;
  /** How late the latest send was against its schedule: the load generator's own lag. */
  maxScheduleLagMs: number;
}

/** The same clock the subscriber processes stamp receipts with, sub-ms and comparable across processes. */
export const now = () => performance.timeOrigin + performance.now();

let nextSession = 1_000_000;

export async function sendPresenceLoad(baseUrl: string, options: PresenceLoadOptions): Promise<PresenceLoad> {
  const total = Math.round(options.perSecond * options.seconds);
  const interval = 1000 / options.perSecond;
  const sentAt = new Map<string, number>();
  const answeredAt = new Map<string, number>();
  const logins = new Map<string, { session: string; loginAt: number; answered: Promise<void> }>();
  const inflight: Promise<void>[] = [];
  const failures: string[] = [];
  let maxScheduleLagMs = 0;

  const post = async (key: string, fields: Fields) => {
    const body = signed(fields, { secret: BENCH_SECRET, nonce: randomBytes(8).toString('hex') });
    sentAt.set(key, now());
    const answer = await postJson(`${baseUrl}/callbacks/zego`, body);
    answeredAt.set(key, now());
    if (answer.status !== 200 || (answer.body as { status?: unknown }).status !== 'applied') failures.push(`${key}: ${answer.status} ${JSON.stringify(answer.body)}`);
  };

  const send = async (i: number) => {
    const room = i % options.rooms.length;
    const roomId = options.rooms[room]!;
    const turn = Math.floor(i / options.rooms.length);
    const user = `${options.label}-${room}-${turn >> 1}`;
    if (turn % 2 === 0) {
      const login = { session: String(nextSession++), loginAt: Date.now(), answered: Promise.resolve() };
      logins.set(user, login);
      login.answered = post(`${roomId}|${user}|JOINED`, loginEvent({ appId: options.appId, roomId, user, session: login.session, at: login.loginAt, updateSeq: 1 }));
      return login.answered;
    }
    const login = logins.get(user)!;
    // Only when the schedule is tighter than a callback's answer (smoke sizes): a logout overtaking its login would change nothing.
    await login.answered;
    return post(`${roomId}|${user}|LEFT`, logoutEvent({ appId: options.appId, roomId, user, session: login.session, loginAt: login.loginAt, at: Date.now(), updateSeq: 2, reason: 0 }));
  };

  const start = now() + 20;
  for (let i = 0; i < total; i += 1) {
    const due = start + i * interval;
    const wait = due - now();
    if (wait > 0.5) await sleep(wait);
    maxScheduleLagMs = Math.max(maxScheduleLagMs, now() - due);
    inflight.push(send(i).catch((error: unknown) => void failures.push(`callback ${i}: ${String(error)}`)));
  }
  await Promise.all(inflight);
  if (failures.length > 0) throw new Error(`${failures.length} callbacks were not answered 200 applied, e.g.\n${failures.slice(0, 5).join('\n')}`);
  const times = [...sentAt.values()];
  const span = (Math.max(...times) - Math.min(...times)) / 1000;
  return { sentAt, answeredAt, callbacks: total, achievedPerSecond: span > 0 ? (total - 1) / span : total, maxScheduleLagMs };
}
