import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets, type TestDatabase } from './support/databases.js';
import { queryData } from './support/graphql.js';
import { startService, type TestService } from './support/service.js';
import { loginEvent, logoutEvent, postAll } from './support/zego.js';

const appId = '501';
const BASE = Date.UTC(2026, 5, 1);
const ROOMS = 60;

// Each logout in its own room, each room with two members: a resolver that loaded per row
// would show up as dozens of statements.
const callbacks = Array.from({ length: ROOMS }, (_, i) => {
  const room = { appId, roomId: `room${String(i).padStart(2, '0')}`, seq: String(100 + i) };
  return [
    loginEvent({ ...room, user: 'stay-a', session: '1', at: BASE + i }),
    loginEvent({ ...room, user: 'stay-b', session: '2', role: 1, at: BASE + i + 1 }),
    logoutEvent({ ...room, user: 'leaver', session: '3', loginAt: BASE, at: BASE + 10_000 + i }),
  ];
}).flat();

const LOGOUTS_WITH_ROOMS = `query($first: Int) {
  logoutEvents(filter: { appId: "${appId}" }, first: $first) {
    totalCount
    edges { node { id userAccount room { id roomId isOpen memberCount createdAt
      members(first: 10) { totalCount edges { node { userAccount room { roomId } } } }
      hosts: members(role: HOST) { totalCount edges { node { userAccount } } } } } }
  }
}`;

const ROOMS_WITH_MEMBERS = `query($first: Int) {
  rooms(appId: "${appId}", first: $first) {
    totalCount
    edges { node { roomId isOpen members(first: 5) { totalCount edges { node { userAccount room { roomId memberCount } } } } } }
  }
}`;

describe.each(databaseTargets())('SQL statements per GraphQL query ($name)', (target) => {
  let database: TestDatabase;
  let service: TestService;
  const statements: string[] = [];

  beforeAll(async () => {
    database = await target.create({ onQuery: (query) => statements.push(query) });
    service = await startService(database.handle);
    await postAll(service.url, callbacks, { concurrency: 1 });
  });
  afterAll(async () => {
    await service?.app.stop();
    await database?.dispose();
  });

  /** The statements one query sends. */
  async function statementsOf(query: string, first: number): Promise<{ items: number; statements: string[] }> {
    statements.length = 0;
    const data = await queryData(service.url, query, { first });
    const connection = data.logoutEvents ?? data.rooms;
    return { items: connection.edges.length, statements: [...statements] };
  }

  it('loads a page of 50 logout events with their rooms and members in as many statements as a page of 5', async () => {
    const small = await statementsOf(LOGOUTS_WITH_ROOMS, 5);
    const large = await statementsOf(LOGOUTS_WITH_ROOMS, 50);
    expect([small.items, large.items]).toEqual([5, 50]);
    // The page with its rooms, its total, the member pages of each `members` field (two argument
    // sets), and the HOST counts: one statement each, however many logouts the page has.
    expect(large.statements).toHaveLength(5);
    expect(small.statements).toHaveLength(5);
  });

  it('reads the rooms of a logout page in the page statement however the query asks for them', async () => {
    const asked = [
      `query($first: Int) { logoutEvents(filter: { appId: "${appId}" }, first: $first) { edges { node { place: room { roomId } } } } }`,
      `query($first: Int) { logoutEvents(filter: { appId: "${appId}" }, first: $first) { ...Page } }
       fragment Page on LogoutEventConnection { edges { node { ... on LogoutEvent { room { roomId } } } } }`,
    ];
    for (const query of asked) {
      const { items, statements: sent } = await statementsOf(query, 50);
      expect(items).toBe(50);
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatch(/left join "rooms"/);
    }
    const skipped = `query($first: Int, $no: Boolean = false) { logoutEvents(filter: { appId: "${appId}" }, first: $first) {
      edges { node { id room @include(if: $no) { roomId } } } } }`;
    const withoutRooms = await statementsOf(skipped, 50);
    expect(withoutRooms.statements).toHaveLength(1);
    expect(withoutRooms.statements[0]).not.toMatch(/"rooms"/);
    expect(withoutRooms.statements[0]).toMatch(/from "room_events"/);
  });

  it('shows the rooms a page reads with its logouts as the rooms listing shows them', async () => {
    const fields = 'id roomId roomSeq isOpen memberCount createdAt closedAt updatedAt';
    const page = await queryData(service.url, `{ logoutEvents(filter: { appId: "${appId}" }, first: ${ROOMS}) { edges { node { roomId room { ${fields} } } } } }`);
    const fromPage = new Map(page.logoutEvents.edges.map((edge: any) => [edge.node.roomId, edge.node.room]));
    const listed = await queryData(service.url, `{ rooms(appId: "${appId}", first: ${ROOMS}) { edges { node { ${fields} } } } }`);
    expect(fromPage.size).toBe(ROOMS);
    for (const { node } of listed.rooms.edges) expect(fromPage.get(node.roomId)).toEqual(node);
  });

  it('loads a page of 50 rooms with their members in as many statements as a page of 5', async () => {
    const small = await statementsOf(ROOMS_WITH_MEMBERS, 5);
    const large = await statementsOf(ROOMS_WITH_MEMBERS, 50);
    expect([small.items, large.items]).toEqual([5, 50]);
    // The page, its total, and the member pages of all its rooms.
    expect(large.statements).toHaveLength(3);
    expect(small.statements).toHaveLength(3);
  });
});
