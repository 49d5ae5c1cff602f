import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets, type TestDatabase } from './support/databases.js';
import { graphql } from './support/graphql.js';
import { startMain } from './support/process.js';
import { startService, type TestService } from './support/service.js';
import { subscribeSse, subscribeWs, wsClient } from './support/subscriptions.js';
import { loginEvent, logoutEvent, postCallback, signed, TEST_SECRET } from './support/zego.js';

const PRESENCE = 'presence-token-f1b2c3d4e5';
const HISTORY = 'history-token-a9b8c7d6e5';
const BOTH = 'both:scopes-token-0f0e0d0c'; // a token may contain colons: the scopes follow the last one
const API_TOKENS = `${PRESENCE}:presence,${HISTORY}:history,${BOTH}:presence+history`;

const operations = {
  'rooms query': { scope: 'presence', query: '{ rooms(appId: "600") { totalCount } }', subscription: false },
  'logoutEvents query': { scope: 'history', query: '{ logoutEvents(filter: { appId: "600" }) { totalCount } }', subscription: false },
  'logoutStats query': { scope: 'history', query: '{ logoutStats(filter: { appId: "600" }, groupBy: REASON) { key count } }', subscription: false },
  'roomPresence subscription': { scope: 'presence', query: 'subscription { roomPresence(appId: "600", roomId: "r") { kind memberCount } }', subscription: true },
  'logoutEvents subscription': { scope: 'history', query: 'subscription { logoutEvents(filter: { appId: "600" }) { userAccount } }', subscription: true },
} as const;
type Operation = (typeof operations)[keyof typeof operations];

const transports = ['http-post', 'http-get', 'sse', 'websocket'] as const;
type Transport = (typeof transports)[number];
const applies = (op: Operation, transport: Transport) => (op.subscription ? transport === 'sse' || transport === 'websocket' : transport !== 'sse');

type Outcome = { kind: 'data'; data: unknown } | { kind: 'error'; status?: number; code?: string } | { kind: 'closed'; code: number };

/** Runs one operation over one transport with an Authorization value, and reports what came back first. */
async function attempt(url: string, op: Operation, transport: Transport, authorization: string | undefined): Promise<Outcome> {
  // A logoutEvents subscription answers only when a logout arrives: send one once it is listening.
  const provoke = () => {
    if (op !== operations['logoutEvents subscription']) return;
    const at = Date.now();
    // Fire and forget: a refused attempt may be over, and its service stopped, before this fires.
    setTimeout(() => {
      postCallback(url, signed(logoutEvent({ appId: '600', roomId: 'r', user: `u${at}`, session: String(at), loginAt: at - 1000, at }))).catch(() => {});
    }, 300);
  };
  const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
  if (transport === 'http-post' || transport === 'http-get') {
    const response = await graphql(url, op.query, {}, { headers, method: transport === 'http-get' ? 'GET' : 'POST' });
    if (response.errors?.length) return { kind: 'error', status: response.status, code: response.errors[0]!.extensions?.code };
    return { kind: 'data', data: response.data };
  }
  if (transport === 'sse') {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
      body: JSON.stringify({ query: op.query }),
    });
    if (response.status !== 200) {
      // Refused before the stream starts, but still answered in the format asked for: one `next` event.
      const data = /^data: (.+)$/m.exec(await response.text())?.[1];
      const body = JSON.parse(data ?? '{}') as { errors?: { extensions?: { code?: string } }[] };
      return { kind: 'error', status: response.status, code: body.errors?.[0]?.extensions?.code };
    }
    await response.body?.cancel();
    const results = subscribeSse<Record<string, unknown>>(url, op.query, {}, headers);
    provoke();
    const first = await results.next();
    results.stop();
    return first.errors?.length ? { kind: 'error', code: first.errors[0]!.extensions?.code } : { kind: 'data', data: first.data };
  }
  const client = wsClient(url, { connectionParams: authorization === undefined ? {} : { authorization }, lazy: true });
  const results = subscribeWs<Record<string, unknown>>(client, op.query);
  provoke();
  try {
    const first = await results.next();
    return first.errors?.length ? { kind: 'error', code: first.errors[0]!.extensions?.code } : { kind: 'data', data: first.data };
  } catch (error) {
    if (typeof (error as { code?: unknown }).code === 'number') return { kind: 'closed', code: (error as { code: number }).code };
    if (Array.isArray(error)) return { kind: 'error', code: (error[0] as { extensions?: { code?: string } }).extensions?.code };
    throw error;
  } finally {
    results.stop();
    await client.dispose();
  }
}

const target = databaseTargets()[0]!;

describe('API tokens on every operation and transport', () => {
  let database: TestDatabase;
  let service: TestService;

  beforeAll(async () => {
    database = await target.create();
    service = await startService(database.handle, { API_TOKENS });
    await postCallback(service.url, signed(loginEvent({ appId: '600', roomId: 'r', at: 1000 })));
    await postCallback(service.url, signed(logoutEvent({ appId: '600', roomId: 'r', loginAt: 1000, at: 2000 })));
  });
  afterAll(async () => {
    await service?.app.stop();
    await database?.dispose();
  });

  const cases = Object.entries(operations).flatMap(([name, op]) => transports.filter((t) => applies(op, t)).map((transport) => ({ name, op, transport })));

  it.each(cases)('$name over $transport: refused without a token or with a wrong one', async ({ op, transport }) => {
    for (const authorization of [undefined, 'Bearer not-a-token', `Bearer ${PRESENCE}x`]) {
      const outcome = await attempt(service.url, op, transport, authorization);
      if (transport === 'websocket') expect(outcome).toEqual({ kind: 'closed', code: 4403 });
      else expect(outcome).toEqual({ kind: 'error', status: 401, code: 'UNAUTHENTICATED' });
    }
  });

  it.each(cases)('$name over $transport: forbidden with a token of the other scope, served with its own', async ({ op, transport }) => {
    const [own, other] = op.scope === 'presence' ? [PRESENCE, HISTORY] : [HISTORY, PRESENCE];
    expect(await attempt(service.url, op, transport, `Bearer ${other}`)).toMatchObject({ kind: 'error', code: 'FORBIDDEN' });
    expect(await attempt(service.url, op, transport, `Bearer ${own}`)).toMatchObject({ kind: 'data' });
    expect(await attempt(service.url, op, transport, `Bearer ${BOTH}`)).toMatchObject({ kind: 'data' });
  });

  it('keeps the other scope out of nested fields too', async () => {
    // A logout's room is presence data; a room's history is not reachable without the history scope.
    const response = await graphql(service.url, '{ logoutEvents(filter: { appId: "600", roomId: "r", userAccount: "888120154" }) { edges { node { userAccount room { memberCount } } } } }', {}, { headers: { authorization: `Bearer ${HISTORY}` } });
    expect(response.data?.logoutEvents.edges[0]).toEqual({ node: { userAccount: '888120154', room: null } });
    expect(response.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' }, path: ['logoutEvents', 'edges', 0, 'node', 'room', 'memberCount'] });
  });

  it('accepts the bare token over WebSocket, as some clients send it', async () => {
    expect(await attempt(service.url, operations['roomPresence subscription'], 'websocket', PRESENCE)).toMatchObject({ kind: 'data' });
  });
});

describe('tokens in logs', () => {
  it('never appear, however verbose the log', async () => {
    const database = await target.create();
    const main = startMain({ DATABASE_URL: 'memory://', PORT: '0', LOG_LEVEL: 'trace', API_TOKENS, ZEGO_CALLBACK_SECRET: TEST_SECRET });
    try {
      const url = await main.listening;
      for (const transport of transports) {
        for (const op of Object.values(operations)) {
          if (!applies(op, transport)) continue;
          await attempt(url, op, transport, `Bearer ${HISTORY}`);
          await attempt(url, op, transport, `Bearer wrong-${PRESENCE}`);
        }
      }
      main.child.kill('SIGTERM');
      await main.exited;
      const log = main.lines.join('\n');
      expect(log.length).toBeGreaterThan(0);
      for (const secret of [PRESENCE, HISTORY, BOTH, TEST_SECRET]) expect(log).not.toContain(secret);
    } finally {
      main.child.kill('SIGKILL');
      await database.dispose();
    }
  });
});
