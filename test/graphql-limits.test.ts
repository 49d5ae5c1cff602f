import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets, type TestDatabase } from './support/databases.js';
import { graphql, queryData } from './support/graphql.js';
import { startService, type TestService } from './support/service.js';
import { subscribeWs, wsClient } from './support/subscriptions.js';
import { loginEvent, postCallback, signed } from './support/zego.js';

const target = databaseTargets()[0]!;
const deep = (levels: number) => {
  // room -> members -> edges -> node -> room -> members -> ... : as deep as the schema lets a client go.
  let inner = 'roomId';
  for (let i = 0; i < levels; i++) inner = `roomId members { edges { node { userAccount room { ${inner} } } } }`;
  return `{ room(roomId: "r") { ${inner} } }`;
};

describe('abuse limits', () => {
  let database: TestDatabase;
  let service: TestService;
  let production: TestService;

  beforeAll(async () => {
    database = await target.create();
    service = await startService(database.handle, { MAX_SUBSCRIPTIONS_PER_CONNECTION: '5', MAX_CONNECTIONS_PER_ADDRESS: '4' });
    production = await startService(database.handle, { NODE_ENV: 'production' });
    await postCallback(service.url, signed(loginEvent({ appId: '610', roomId: 'r', at: 1000 })));
  });
  afterAll(async () => {
    await production?.app.stop();
    await service?.app.stop();
    await database?.dispose();
  });

  it('refuses a query nested too deep, naming the limit', async () => {
    const response = await graphql(service.url, deep(3));
    expect(response.errors?.[0]?.message).toMatch(/depth limit of 10 exceeded/i);
    expect(response.data ?? null).toBeNull();
    // A reasonable depth is fine.
    await queryData(service.url, deep(1));
  });

  it('refuses an alias flood, naming the limit', async () => {
    const aliases = Array.from({ length: 200 }, (_, i) => `a${i}: rooms { totalCount }`).join(' ');
    const response = await graphql(service.url, `{ ${aliases} }`);
    expect(response.errors?.[0]?.message).toMatch(/aliases limit of 15 exceeded/i);
  });

  it('refuses a query of too many tokens, naming the limit', async () => {
    const fields = Array.from({ length: 3000 }, () => 'roomId').join(' ');
    const response = await graphql(service.url, `{ room(roomId: "r") { ${fields} } }`);
    expect(response.errors?.[0]?.message).toMatch(/token limit of 2000 exceeded/i);
  });

  it('refuses a query too costly, such as nested pages of 500, naming the limit', async () => {
    const response = await graphql(service.url, '{ rooms(first: 500) { edges { node { members(first: 500) { edges { node { userAccount } } } } } } }');
    expect(response.errors?.[0]?.message).toMatch(/cost limit of 50000 exceeded/i);
  });

  it('refuses an abusive subscription over WebSocket with an error, keeping the connection', async () => {
    const client = wsClient(service.url);
    try {
      const tooDeep = subscribeWs(client, `subscription { roomPresence(appId: "610", roomId: "r") { room { members { edges { node { room { members { edges { node { room { roomId } } } } } } } } } } }`);
      await expect(tooDeep.next()).rejects.toMatchObject([{ message: expect.stringMatching(/depth limit of 10 exceeded/i) }]);
      const fine = subscribeWs<{ roomPresence: { kind: string } }>(client, 'subscription { roomPresence(appId: "610", roomId: "r") { kind } }');
      expect((await fine.next()).data?.roomPresence.kind).toBe('SNAPSHOT');
      fine.stop();
    } finally {
      await client.dispose();
    }
  });

  it('refuses a huge first with the error that names first', async () => {
    const response = await graphql(service.url, '{ rooms(first: 100000) { totalCount } }');
    expect(response.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argumentName: 'first' } });
  });

  it('caps subscriptions per WebSocket connection', async () => {
    const client = wsClient(service.url);
    try {
      const query = 'subscription ($r: String!) { roomPresence(appId: "610", roomId: $r) { kind } }';
      const held = Array.from({ length: 5 }, (_, i) => subscribeWs<{ roomPresence: { kind: string } }>(client, query, { r: `cap-${i}` }));
      for (const subscription of held) expect((await subscription.next()).data?.roomPresence.kind).toBe('SNAPSHOT');
      const refused = subscribeWs(client, query, { r: 'one-too-many' });
      await expect(refused.next()).rejects.toMatchObject([{ message: expect.stringMatching(/at most 5 at once/) }]);
      // Ending one makes room for another.
      held[0]!.stop();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const next = subscribeWs<{ roomPresence: { kind: string } }>(client, query, { r: 'after-one-ended' });
      expect((await next.next()).data?.roomPresence.kind).toBe('SNAPSHOT');
    } finally {
      await client.dispose();
    }
  });

  it('caps WebSocket connections and SSE streams per client address', async () => {
    const open: WebSocket[] = [];
    const connect = () =>
      new Promise<WebSocket | number>((resolve) => {
        const socket = new WebSocket(`${service.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
        socket.once('open', () => resolve(socket));
        socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      });
    try {
      for (let i = 0; i < 4; i++) open.push((await connect()) as WebSocket);
      expect(await connect()).toBe(429);
      const sse = await fetch(`${service.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query: 'subscription { roomPresence(appId: "610", roomId: "r") { kind } }' }),
      });
      expect(sse.status).toBe(429);
      expect(await sse.json()).toMatchObject({ errors: [{ extensions: { code: 'TOO_MANY_CONNECTIONS' } }] });
      // Closing one frees a slot.
      open.pop()!.close();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const again = await connect();
      expect(again).toBeInstanceOf(WebSocket);
      open.push(again as WebSocket);
    } finally {
      for (const socket of open) socket.terminate();
    }
  });

  it('turns introspection and GraphiQL off in production, and on where enabled', async () => {
    const introspect = '{ __schema { queryType { name } } }';
    expect((await graphql(production.url, introspect)).errors?.[0]?.message).toMatch(/introspection/i);
    expect((await queryData(service.url, introspect)).__schema.queryType.name).toBe('Query');
    const page = (url: string) => fetch(`${url}/graphql`, { headers: { accept: 'text/html' } }).then(async (r) => (await r.text()).includes('graphiql'));
    expect(await page(service.url)).toBe(true);
    expect(await page(production.url)).toBe(false);

    const enabled = await startService(database.handle, { NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true', GRAPHIQL: 'true' });
    try {
      expect((await queryData(enabled.url, introspect)).__schema.queryType.name).toBe('Query');
      expect(await page(enabled.url)).toBe(true);
    } finally {
      await enabled.app.stop();
    }
  });

  it('stays responsive to a normal query during a flood of abusive ones', async () => {
    let flooding = true;
    const flood = Promise.all(
      Array.from({ length: 8 }, async () => {
        let sent = 0;
        while (flooding && sent < 2000) {
          sent++;
          await graphql(service.url, deep(4));
        }
        return sent;
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const normal = await queryData<{ room: { memberCount: number } }>(service.url, '{ room(appId: "610", roomId: "r") { memberCount } }');
    flooding = false;
    expect(normal.room.memberCount).toBe(1);
    expect((await flood).reduce((a, b) => a + b)).toBeGreaterThan(8);
  });
});
