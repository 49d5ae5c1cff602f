import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHQL_BODY_LIMIT } from '../src/http/graphql-route.js';
import { databaseTargets, type TestDatabase } from './support/databases.js';
import { graphql, queryData, type GraphQLResponse } from './support/graphql.js';
import { serviceFixture, startService, type TestService } from './support/service.js';
import { loginEvent, logoutEvent, postAll } from './support/zego.js';

const appId = '701';
const AT = Date.UTC(2026, 7, 1);

function expectUserError(response: GraphQLResponse<unknown>, argumentName: string, message: RegExp) {
  expect(response.status).toBeLessThan(500);
  expect(response.errors).toHaveLength(1);
  expect(response.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argumentName } });
  expect(response.errors![0]!.message).toMatch(message);
}

describe.each(databaseTargets())('GraphQL answers to bad requests ($name)', (target) => {
  let database: TestDatabase;
  let service: TestService;
  let production: TestService;

  beforeAll(async () => {
    database = await target.create();
    service = await startService(database.handle);
    production = await startService(database.handle, { NODE_ENV: 'production' });
    await postAll(service.url, [
      loginEvent({ appId, roomId: 'r', seq: '1', user: 'amy', session: '1', at: AT }),
      loginEvent({ appId, roomId: 'r', seq: '1', user: 'ben', session: '2', at: AT + 1 }),
      logoutEvent({ appId, roomId: 'r', seq: '1', user: 'cy', session: '3', loginAt: AT, at: AT + 10 }),
    ]);
  });
  afterAll(async () => {
    await production?.app.stop();
    await service?.app.stop();
    await database?.dispose();
  });

  it('refuses text PostgreSQL cannot store, as a variable or written in the query, naming it', async () => {
    // Without the rule these reached PostgreSQL, failed the statement and came back as an internal error.
    for (const roomId of ['a\u0000b', '\ud800x']) {
      const byVariable = await graphql(service.url, 'query($r: String!) { room(appId: "701", roomId: $r) { roomId } }', { r: roomId });
      expect(byVariable.status).toBeLessThan(500);
      expect(byVariable.errors).toHaveLength(1);
      expect(byVariable.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', variableName: 'r' } });
      expect(byVariable.errors![0]!.message).toMatch(/^variable \$r contains (a NUL character|an unpaired surrogate)$/);
    }
    const nested = await graphql(service.url, 'query($f: LogoutEventFilter) { logoutEvents(filter: $f) { totalCount } }', { f: { appId, roomId: 'r\u0000' } });
    expect(nested.errors![0]).toMatchObject({ message: 'variable $f contains a NUL character', extensions: { code: 'BAD_USER_INPUT', variableName: 'f' } });
    expectUserError(await graphql(service.url, `{ room(appId: "701", roomId: "a\\u0000b") { roomId } }`), 'roomId', /^roomId contains a NUL character$/);
    // The same ids without the bad character still answer.
    expect(await queryData(service.url, '{ room(appId: "701", roomId: "r") { roomId } }')).toEqual({ room: { roomId: 'r' } });
  });

  it('refuses a page size above 500 or below 0, naming first', async () => {
    for (const first of [100000, 501, -1]) {
      expectUserError(await graphql(service.url, `{ logoutEvents(filter: { appId: "${appId}" }, first: ${first}) { totalCount } }`), 'first', /first must be between 0 and 500/);
      expectUserError(await graphql(service.url, `{ rooms(appId: "${appId}", first: ${first}) { totalCount } }`), 'first', /first/);
    }
    // Written into the query, it is refused before anything runs, pointing at the argument...
    const nestedQuery = `{ room(appId: "${appId}", roomId: "r") { roomId members(first: 100000) { totalCount } } }`;
    const nested = await graphql(service.url, nestedQuery);
    expectUserError(nested, 'first', /first/);
    expect(nested.errors![0]!.locations).toEqual([{ line: 1, column: nestedQuery.indexOf('first:') + 1 }]);
    // The same query again is refused alike (the check is kept per parsed document).
    expect((await graphql(service.url, nestedQuery)).errors).toEqual(nested.errors);
    // ...and passed as a variable, by the field, with its path.
    const variable = await graphql(
      service.url,
      `query ($n: Int) { room(appId: "${appId}", roomId: "r") { roomId members(first: $n) { totalCount } } }`,
      { n: 100000 },
    );
    expectUserError(variable, 'first', /first/);
    expect(variable.errors![0]!.path).toEqual(['room', 'members']);
  });

  it('refuses a body over 1 MiB with 413 and a message naming the problem', async () => {
    const response = await fetch(`${service.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }', variables: { padding: 'x'.repeat(GRAPHQL_BODY_LIMIT) } }),
    });
    expect(response.status).toBe(413);
    expect(await response.text()).toMatch(/too large/i);
  });

  it('accepts the edges of the range: first 0 and first 500', async () => {
    const data = await queryData(service.url, `{
      none: logoutEvents(filter: { appId: "${appId}" }, first: 0) { totalCount edges { cursor } pageInfo { hasNextPage } }
      most: logoutEvents(filter: { appId: "${appId}" }, first: 500) { totalCount edges { cursor } pageInfo { hasNextPage } } }`);
    expect(data.none).toEqual({ totalCount: 1, edges: [], pageInfo: { hasNextPage: true } });
    expect(data.most.edges).toHaveLength(1);
    expect(data.most.pageInfo.hasNextPage).toBe(false);
  });

  it('refuses a malformed cursor, and a cursor of another list, naming after', async () => {
    const { rooms } = await queryData(service.url, `{ rooms(appId: "${appId}") { pageInfo { endCursor } } }`);
    const forged = Buffer.from(JSON.stringify(['logouts', 'yesterday', 1])).toString('base64url');
    const outOfRange = Buffer.from(JSON.stringify(['logouts', 9e15, 1])).toString('base64url');
    for (const after of ['not a cursor', '%%%', '', rooms.pageInfo.endCursor, forged, outOfRange]) {
      const response = await graphql(service.url, `query($after: String) { logoutEvents(filter: { appId: "${appId}" }, after: $after) { totalCount } }`, { after });
      expectUserError(response, 'after', /after is not a cursor of this list/);
    }
    expectUserError(
      await graphql(service.url, `{ room(appId: "${appId}", roomId: "r") { members(after: "bm9wZQ") { totalCount } } }`),
      'after',
      /after is not a cursor/,
    );
  });

  it('refuses a malformed DateTime with a message that says what is expected', async () => {
    for (const from of ['yesterday', '2026-02-30T00:00:00Z', '2026-08-01T10:00:00', '2026-08-01', 1754000000000]) {
      const asVariable = await graphql(service.url, `query($from: DateTime) { logoutEvents(filter: { appId: "${appId}", from: $from }) { totalCount } }`, { from });
      expect(asVariable.status, String(from)).toBe(400);
      expect(asVariable.errors![0]!.message, String(from)).toMatch(/DateTime/);
      const asJson = await graphql(service.url, `query($from: DateTime) { logoutEvents(filter: { appId: "${appId}", from: $from }) { totalCount } }`, { from }, { accept: 'application/json' });
      expect(asJson.status, String(from)).toBeLessThan(500);
      expect(asJson.errors![0]!.message, String(from)).toMatch(/DateTime/);
    }
    const literal = await graphql(service.url, `{ logoutEvents(filter: { appId: "${appId}", to: "last week" }) { totalCount } }`);
    expect(literal.status).toBe(400);
    expect(literal.errors![0]!.message).toMatch(/DateTime must be an ISO 8601 date-time with a time zone/);
    const offset = await queryData(service.url, `{ logoutEvents(filter: { appId: "${appId}", from: "${new Date(AT + 10).toISOString().replace('Z', '+00:00')}" }) { totalCount } }`);
    expect(offset.logoutEvents.totalCount).toBe(1);
  });

  it('answers null for rooms and nodes that do not exist, and an error for an id that is not one', async () => {
    const data = await queryData(service.url, `query($unknownType: ID!, $unknownEvent: ID!) {
        room(appId: "${appId}", roomId: "nowhere") { roomId }
        a: node(id: $unknownType) { id }
        b: node(id: $unknownEvent) { id } }`, {
      unknownType: Buffer.from('Planet:1').toString('base64'),
      unknownEvent: Buffer.from('LogoutEvent:999999').toString('base64'),
    });
    expect(data).toEqual({ room: null, a: null, b: null });
    expectUserError(await graphql(service.url, `{ node(id: "!!!") { id } }`), 'id', /id is not an id this API returned/);
  });

  it('masks unexpected errors, in production without details, and keeps user errors readable there', async () => {
    const user = await graphql(production.url, `{ logoutEvents(filter: { appId: "${appId}" }, first: 100000) { totalCount } }`);
    expectUserError(user, 'first', /first must be between 0 and 500/);

    await database.handle.db.execute(sql`alter table room_events rename to room_events_away`);
    try {
      const query = `{ logoutEvents(filter: { appId: "${appId}" }) { totalCount } }`;
      const masked = await graphql(production.url, query);
      expect(masked.errors).toEqual([
        expect.objectContaining({ message: 'Unexpected error.', path: ['logoutEvents'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }),
      ]);
      expect(JSON.stringify(masked)).not.toMatch(/room_events/);

      const development = await graphql(service.url, query);
      expect(development.errors![0]).toMatchObject({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      expect(JSON.stringify(development.errors![0]!.extensions!.originalError)).toMatch(/room_events/);
    } finally {
      await database.handle.db.execute(sql`alter table room_events_away rename to room_events`);
    }
  });

  it('serves GraphiQL to browsers outside production only', async () => {
    const open = (url: string) => fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
    const development = await open(service.url);
    expect(development.status).toBe(200);
    expect(development.headers.get('content-type')).toMatch(/text\/html/);
    expect(await development.text()).toMatch(/graphiql/i);
    const inProduction = await open(production.url);
    expect(inProduction.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
    expect(await inProduction.text()).not.toMatch(/graphiql/i);
  });
});

describe.each(databaseTargets())('GraphQL while the database is down ($name)', (target) => {

  const fixture = serviceFixture(target);

  it('answers SERVICE_UNAVAILABLE, not an internal error', async () => {
    await fixture.database.handle.close();
    const response = await graphql(fixture.service.url, `{ rooms(appId: "1") { totalCount } }`);
    expect(response.status).toBeLessThan(500);
    expect(response.errors).toEqual([
      expect.objectContaining({ message: 'the database is unavailable; retry later', extensions: { code: 'SERVICE_UNAVAILABLE' } }),
    ]);
  });
});
