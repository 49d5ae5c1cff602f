import autocannon from 'autocannon';
import { loginEvent, logoutEvent, signed } from '../../test/support/zego.js';
import { BENCH_SECRET } from './service.js';

export interface CallbackLoadResult {
  /** Callbacks answered "applied" per second. */
  perSecond: number;
  applied: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Anything but a 200 "applied": must be 0 for the run to count. */
  refused: number;
}

interface Session {
  user: string;
  sessionId: string;
  roomId: string;
  loginAt: number;
}

let nextUser = 0;

/**
 * Signed callbacks over keep-alive HTTP at a fixed concurrency: every connection logs a new user
 * into a random room of 1..rooms, then logs that user out, and again. Each body is signed when
 * it is sent, as ZEGO does.
 */
export async function loadCallbacks(baseUrl: string, options: { connections: number; seconds: number; rooms: number }): Promise<CallbackLoadResult> {
  let applied = 0;
  let refused = 0;
  const countAnswer = (status: number, body: string) => {
    if (status === 200 && body.includes('"applied"')) applied += 1;
    else refused += 1;
  };
  const json = (fields: Record<string, string>) => JSON.stringify(signed(fields, { secret: BENCH_SECRET }));
  const result = await autocannon({
    url: `${baseUrl}/callbacks/zego`,
    connections: options.connections,
    duration: options.seconds,
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        method: 'POST',
        setupRequest: (request, context) => {
          nextUser += 1;
          const session: Session = { user: `u${process.pid}x${nextUser}`, sessionId: String(nextUser), roomId: String(1 + (nextUser % options.rooms)), loginAt: Date.now() };
          (context as { session?: Session }).session = session;
          return { ...request, body: json(loginEvent({ roomId: session.roomId, user: session.user, session: session.sessionId, at: session.loginAt, updateSeq: 1 })) };
        },
        onResponse: countAnswer,
      },
      {
        method: 'POST',
        setupRequest: (request, context) => {
          const { session } = context as { session: Session };
          return {
            ...request,
            body: json(logoutEvent({ roomId: session.roomId, user: session.user, session: session.sessionId, loginAt: session.loginAt, at: Date.now(), updateSeq: 2, reason: 0 })),
          };
        },
        onResponse: countAnswer,
      },
    ],
  });
  return {
    perSecond: applied / result.duration,
    applied,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    refused: refused + result.errors,
  };
}
