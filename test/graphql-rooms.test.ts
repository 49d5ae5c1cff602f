import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets, type TestDatabase } from './support/databases.js';
import { graphql, queryData } from './support/graphql.js';
import { startService, type TestService } from './support/service.js';
import { closeEvent, createEvent, loginEvent, logoutEvent, postAll } from './support/zego.js';

const appId = '201';
const T0 = Date.UTC(2026, 0, 10, 12, 0, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
// A room_seq above 2^63 and session ids above 2^53: they must come back digit for digit.
const lobby = { appId, roomId: 'lobby', seq: '18446744073709551615' };

const ROOM_FIELDS = `id appId roomId roomSeq isOpen memberCount createdAt closedAt updatedAt`;
const MEMBER_FIELDS = `userAccount nickname sessionId role roleCode loginAt room { roomId }`;

describe.each(databaseTargets())('GraphQL rooms and members ($name)', (target) => {
  let database: TestDatabase;
  let service: TestService;

  beforeAll(async () => {
    database = await target.create();
    service = await startService(database.handle);
    await postAll(
      service.url,
      [
        createEvent({ ...lobby, at: T0 }),
        loginEvent({ ...lobby, user: 'alice', session: '9007199254740993', role: 1, at: T0 + 100 }),
        loginEvent({ ...lobby, user: 'bob', session: '2', role: 2, at: T0 + 200 }),
        loginEvent({ ...lobby, user: 'carol', nickname: 'Carol 🎉', session: '3', role: 4, at: T0 + 300 }),
        loginEvent({ ...lobby, user: 'dave', session: '4', role: 7, at: T0 + 400 }),
        logoutEvent({ ...lobby, user: 'bob', session: '2', loginAt: T0 + 200, at: T0 + 500 }),
        // A logout of a session never seen logging in leaves a tombstone, not a member.
        logoutEvent({ ...lobby, user: 'erin', session: '5', loginAt: T0 + 550, at: T0 + 600 }),
        // Alice logs in again: her new session replaces the old one, she is counted once.
        loginEvent({ ...lobby, user: 'alice', session: '18446744073709551614', role: 1, at: T0 + 700 }),

        loginEvent({ appId, roomId: 'closed-room', seq: '2001', user: 'xavier', session: '10', at: T0 }),
        closeEvent({ appId, roomId: 'closed-room', seq: '2001', at: T0 + 1000 }),

        loginEvent({ appId, roomId: 'superseded', seq: '3001', user: 'yan', session: '11', at: T0 }),
        loginEvent({ appId, roomId: 'superseded', seq: '3002', user: 'zoe', session: '12', at: T0 + 5000 }),
      ],
      { concurrency: 1 },
    );
  });
  afterAll(async () => {
    await service?.app.stop();
    await database?.dispose();
  });

  it('shows who is in a room after logins, logouts and a re-login', async () => {
    const data = await queryData(service.url, `query($appId: String) { room(appId: $appId, roomId: "lobby") { ${ROOM_FIELDS}
        members { totalCount edges { cursor node { ${MEMBER_FIELDS} } } pageInfo { hasNextPage hasPreviousPage endCursor } } } }`, { appId });
    expect(data.room).toMatchObject({
      appId,
      roomId: 'lobby',
      roomSeq: '18446744073709551615',
      isOpen: true,
      memberCount: 3,
      createdAt: iso(T0),
      closedAt: null,
    });
    expect(data.room.updatedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(data.room.members.totalCount).toBe(3);
    expect(data.room.members.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    expect(data.room.members.edges.map((edge: any) => edge.node)).toEqual([
      { userAccount: 'carol', nickname: 'Carol 🎉', sessionId: '3', role: 'ADMIN', roleCode: 4, loginAt: iso(T0 + 300), room: { roomId: 'lobby' } },
      { userAccount: 'dave', nickname: 'dave', sessionId: '4', role: 'UNKNOWN', roleCode: 7, loginAt: iso(T0 + 400), room: { roomId: 'lobby' } },
      {
        userAccount: 'alice',
        nickname: 'alice',
        sessionId: '18446744073709551614',
        role: 'HOST',
        roleCode: 1,
        loginAt: iso(T0 + 700),
        room: { roomId: 'lobby' },
      },
    ]);
  });

  it('filters members by role, UNKNOWN meaning any code outside the known ones', async () => {
    const byRole = async (role: string) => {
      const data = await queryData(service.url, `query($role: UserRole) { room(appId: "${appId}", roomId: "lobby") {
          members(role: $role) { totalCount edges { node { userAccount } } } } }`, { role });
      return { total: data.room.members.totalCount, users: data.room.members.edges.map((edge: any) => edge.node.userAccount) };
    };
    expect(await byRole('HOST')).toEqual({ total: 1, users: ['alice'] });
    expect(await byRole('ADMIN')).toEqual({ total: 1, users: ['carol'] });
    expect(await byRole('UNKNOWN')).toEqual({ total: 1, users: ['dave'] });
    expect(await byRole('AUDIENCE')).toEqual({ total: 0, users: [] });
  });

  it('pages through members with cursors', async () => {
    const page = (after: string | null) =>
      queryData(service.url, `query($after: String) { room(appId: "${appId}", roomId: "lobby") {
          members(first: 2, after: $after) { totalCount edges { node { userAccount } } pageInfo { hasNextPage endCursor } } } }`, { after });
    const first = (await page(null)).room.members;
    expect(first.edges.map((edge: any) => edge.node.userAccount)).toEqual(['carol', 'dave']);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await page(first.pageInfo.endCursor)).room.members;
    expect(second.edges.map((edge: any) => edge.node.userAccount)).toEqual(['alice']);
    expect(second.pageInfo.hasNextPage).toBe(false);
    expect(second.totalCount).toBe(3);
  });

  it('shows a closed room as closed and empty, and a replaced lifecycle as gone', async () => {
    const data = await queryData(service.url, `{
        closed: room(appId: "${appId}", roomId: "closed-room") { roomSeq isOpen memberCount closedAt members { totalCount edges { node { userAccount } } } }
        superseded: room(appId: "${appId}", roomId: "superseded") { roomSeq isOpen memberCount members { edges { node { userAccount } } } } }`);
    expect(data.closed).toEqual({
      roomSeq: '2001',
      isOpen: false,
      memberCount: 0,
      closedAt: iso(T0 + 1000),
      members: { totalCount: 0, edges: [] },
    });
    expect(data.superseded).toEqual({ roomSeq: '3002', isOpen: true, memberCount: 1, members: { edges: [{ node: { userAccount: 'zoe' } }] } });
  });

  it('answers null for a room never seen', async () => {
    const response = await graphql(service.url, `{ room(appId: "${appId}", roomId: "never-seen") { id } other: room(appId: "999", roomId: "lobby") { id } }`);
    expect(response).toMatchObject({ status: 200, errors: undefined, data: { room: null, other: null } });
  });

  it('lists the rooms of an app by room id, all or occupied only, page by page', async () => {
    const list = async (occupiedOnly: boolean) => {
      const ids: string[] = [];
      let after: string | null = null;
      let total = -1;
      for (let pages = 0; pages < 10; pages += 1) {
        const data: any = await queryData(service.url, `query($after: String, $occupiedOnly: Boolean) {
            rooms(appId: "${appId}", occupiedOnly: $occupiedOnly, first: 1, after: $after) {
              totalCount edges { node { roomId memberCount } } pageInfo { hasNextPage endCursor } } }`, { after, occupiedOnly });
        ids.push(...data.rooms.edges.map((edge: any) => edge.node.roomId));
        total = data.rooms.totalCount;
        if (!data.rooms.pageInfo.hasNextPage) break;
        after = data.rooms.pageInfo.endCursor;
      }
      return { ids, total };
    };
    expect(await list(false)).toEqual({ ids: ['closed-room', 'lobby', 'superseded'], total: 3 });
    expect(await list(true)).toEqual({ ids: ['lobby', 'superseded'], total: 2 });
  });

  it('refetches a room by its node id', async () => {
    const { room } = await queryData(service.url, `{ room(appId: "${appId}", roomId: "lobby") { id } }`);
    const data = await queryData(service.url, `query($id: ID!) { node(id: $id) { __typename id ... on Room { roomId memberCount } } }`, { id: room.id });
    expect(data.node).toEqual({ __typename: 'Room', id: room.id, roomId: 'lobby', memberCount: 3 });
    const unseen = Buffer.from(`Room:${appId}:never-seen`).toString('base64');
    expect((await queryData(service.url, `query($id: ID!) { node(id: $id) { id } }`, { id: unseen })).node).toBeNull();
  });
});
