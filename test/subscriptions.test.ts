import { sql } from 'drizzle-orm';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets, type TestDatabase } from './support/databases.js';
import { startService, type TestService } from './support/service.js';
import {
  ROOM_PRESENCE,
  subscribeSse,
  subscribeWs,
  wsClient,
  type GraphQLResult,
  type PresenceChangeResult,
  type Received,
} from './support/subscriptions.js';
import { closeEvent, loginEvent, logoutEvent, postCallback, signed } from './support/zego.js';

type Transport = 'graphql-ws' | 'sse';
const summary = (r: GraphQLResult<PresenceChangeResult>) => {
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  const c = r.data!.roomPresence;
  return [c.kind, c.member?.userAccount ?? null, c.member?.sessionId ?? null, c.memberCount];
};

describe.each(databaseTargets())('live presence subscriptions ($name)', (target) => {
  let database: TestDatabase;
  let service: TestService;
  let client: Client;

  beforeAll(async () => {
    database = await target.create();
    // No periodic catch-up during these tests: every change must arrive by its notice (or the replay).
    service = await startService(database.handle, { LIVE_CATCH_UP_S: '600' });
    client = wsClient(service.url);
  });
  afterAll(async () => {
    await client?.dispose();
    await service?.app.stop();
    await database?.dispose();
  });

  const subscribe = (transport: Transport, variables: Record<string, unknown>): Received<GraphQLResult<PresenceChangeResult>> =>
    transport === 'sse' ? subscribeSse(service.url, ROOM_PRESENCE, variables) : subscribeWs(client, ROOM_PRESENCE, variables);
  const post = async (fields: Record<string, string>) => expect((await postCallback(service.url, signed(fields))).status).toBe(200);

  it.each(['graphql-ws', 'sse'] as const)('over %s: a snapshot, then joins, a re-login, a logout with its reason, and the close', async (transport) => {
    const room = { appId: '300', roomId: `life-${transport}`, seq: '9223372036854775807' };
    await post(loginEvent({ ...room, user: 'host', session: '11', at: 1000, role: 1, updateSeq: 1 }));

    const changes = subscribe(transport, { appId: '300', roomId: room.roomId });
    const snapshot = (await changes.next()).data!.roomPresence;
    expect(snapshot).toMatchObject({ kind: 'SNAPSHOT', memberCount: 1, member: null, room: { roomSeq: '9223372036854775807', isOpen: true } });
    expect(snapshot.room.members.edges.map((e) => e.node)).toEqual([{ userAccount: 'host', sessionId: '11', role: 'HOST' }]);

    await post(loginEvent({ ...room, user: 'guest', session: '12', at: 2000, updateSeq: 2 }));
    await post(loginEvent({ ...room, user: 'guest', session: '13', at: 3000, updateSeq: 3, relogin: true }));
    await post(logoutEvent({ ...room, user: 'host', session: '11', loginAt: 1000, at: 4000, updateSeq: 4, reason: 3 }));
    // The replaced session's late logout is history, not a presence change.
    await post(logoutEvent({ ...room, user: 'guest', session: '12', loginAt: 2000, at: 3500, updateSeq: 5, reason: 1 }));
    await post(closeEvent({ ...room, at: 5000 }));

    const received = await changes.take(4);
    expect(received.map(summary)).toEqual([
      ['JOINED', 'guest', '12', 2],
      ['JOINED', 'guest', '13', 2],
      ['LEFT', 'host', '11', 1],
      ['ROOM_CLOSED', null, null, 0],
    ]);
    expect(received[2]!.data!.roomPresence.logout).toEqual({ reason: 'KICKED_OUT', reasonCode: 3, sessionDurationMs: 3000 });
    // A member's room is read only when asked for, and then it is there.
    expect(received[0]!.data!.roomPresence.member!.room).toEqual({ roomId: room.roomId });
    expect(received[3]!.data!.roomPresence.room).toMatchObject({ isOpen: false, memberCount: 0 });
    expect(await changes.nothingWithin(300)).toBe('nothing');
    changes.stop();
  });

  it('resumes from a cursor with exactly the missed changes, in order, then live', async () => {
    const room = { appId: '300', roomId: 'resume', seq: '5' };
    const first = subscribe('graphql-ws', { appId: '300', roomId: 'resume' });
    expect(summary(await first.next())).toEqual(['SNAPSHOT', null, null, 0]);
    await post(loginEvent({ ...room, user: 'a', session: '1', at: 1000 }));
    const lastSeen = (await first.next()).data!.roomPresence;
    expect(lastSeen.kind).toBe('JOINED');
    first.stop();

    // Changes while the client was away.
    await post(loginEvent({ ...room, user: 'b', session: '2', at: 2000 }));
    await post(logoutEvent({ ...room, user: 'a', session: '1', loginAt: 1000, at: 3000 }));
    await post(loginEvent({ ...room, user: 'c', session: '3', at: 4000 }));

    const resumed = subscribe('sse', { appId: '300', roomId: 'resume', after: lastSeen.cursor });
    // The replay must start at once, not wait for a notice of the room.
    expect((await resumed.take(3)).map(summary)).toEqual([
      ['JOINED', 'b', '2', 2],
      ['LEFT', 'a', '1', 1],
      ['JOINED', 'c', '3', 2],
    ]);
    await post(logoutEvent({ ...room, user: 'b', session: '2', loginAt: 2000, at: 5000 }));
    expect(summary(await resumed.next())).toEqual(['LEFT', 'b', '2', 1]);
    expect(await resumed.nothingWithin(300)).toBe('nothing');
    resumed.stop();
  });

  it('loses and repeats nothing when changes commit while a replay runs', async () => {
    const room = { appId: '300', roomId: 'racing', seq: '6' };
    const logins = Array.from({ length: 60 }, (_, i) => loginEvent({ ...room, user: `u${i}`, session: String(i + 1), at: 1000 + i }));
    for (const login of logins.slice(0, 30)) await post(login);
    const replay = subscribe('graphql-ws', { appId: '300', roomId: 'racing', after: Buffer.from(JSON.stringify(['presence', '300', 'racing', 0])).toString('base64url') });
    await Promise.all(logins.slice(30).map((login) => post(login)));
    const received = await replay.take(60);
    expect(received.map((r) => r.data!.roomPresence.memberCount)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(new Set(received.map((r) => r.data!.roomPresence.member!.userAccount)).size).toBe(60);
    expect(await replay.nothingWithin(300)).toBe('nothing');
    replay.stop();
  });

  it('starts a room never seen with an empty, closed snapshot and goes live when its events arrive', async () => {
    const changes = subscribe('graphql-ws', { appId: '300', roomId: 'unseen' });
    expect((await changes.next()).data!.roomPresence).toMatchObject({ kind: 'SNAPSHOT', memberCount: 0, room: { roomSeq: null, isOpen: false } });
    await post(loginEvent({ appId: '300', roomId: 'unseen', user: 'first', session: '1', at: 1000 }));
    expect(summary(await changes.next())).toEqual(['JOINED', 'first', '1', 1]);
    changes.stop();
  });

  it('refuses a cursor of another room with a clear error', async () => {
    const cursor = Buffer.from(JSON.stringify(['presence', '300', 'elsewhere', 3])).toString('base64url');
    const result = await subscribe('graphql-ws', { appId: '300', roomId: 'resume', after: cursor }).next();
    expect(result.errors?.[0]).toMatchObject({ message: 'after is the cursor of another room', extensions: { code: 'BAD_USER_INPUT' } });
    const garbage = await subscribe('sse', { appId: '300', roomId: 'resume', after: 'not-a-cursor' }).next();
    expect(garbage.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('streams new logouts matching a filter', async () => {
    const query = /* GraphQL */ `
      subscription ($filter: LogoutEventFilter) { logoutEvents(filter: $filter) { roomId userAccount reason role sessionDurationMs } }
    `;
    const kicked = subscribeWs<{ logoutEvents: Record<string, unknown> }>(client, query, { filter: { appId: '300', reasons: ['KICKED_OUT'] } });
    const inRoom = subscribeSse<{ logoutEvents: Record<string, unknown> }>(service.url, query, { filter: { appId: '300', roomId: 'logouts' } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await post(logoutEvent({ appId: '300', roomId: 'logouts', user: 'x', session: '1', loginAt: 1000, at: 2500, reason: 0 }));
    await post(logoutEvent({ appId: '300', roomId: 'elsewhere', user: 'y', session: '2', loginAt: 1000, at: 2000, reason: 3, role: 1 }));
    expect((await kicked.next()).data!.logoutEvents).toEqual({ roomId: 'elsewhere', userAccount: 'y', reason: 'KICKED_OUT', role: 'HOST', sessionDurationMs: 1000 });
    expect((await inRoom.next()).data!.logoutEvents).toMatchObject({ roomId: 'logouts', userAccount: 'x', reason: 'NORMAL', sessionDurationMs: 1500 });
    expect(await kicked.nothingWithin(200)).toBe('nothing');
    kicked.stop();
    inRoom.stop();
  });

  it('announces nothing for a rolled-back write', async () => {
    await service.database.db.execute(sql`
      create function refuse_doomed_subscription() returns trigger language plpgsql as $$
      begin
        if exists (select 1 from rooms where id = new.room_pk and room_id = 'doomed-live') then raise exception 'doomed'; end if;
        return new;
      end $$`);
    await service.database.db.execute(sql`create trigger refuse_doomed_subscription after insert on presence_changes for each row execute function refuse_doomed_subscription()`);
    try {
      const doomed = subscribe('graphql-ws', { appId: '300', roomId: 'doomed-live' });
      const logouts = subscribeWs<{ logoutEvents: { userAccount: string } }>(client, 'subscription { logoutEvents(filter: { appId: "300", roomId: "doomed-live" }) { userAccount } }');
      expect(summary(await doomed.next())).toEqual(['SNAPSHOT', null, null, 0]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const refused = await postCallback(service.url, signed(loginEvent({ appId: '300', roomId: 'doomed-live', user: 'z', session: '1', at: 1000 })));
      expect(refused.status).toBe(500);
      expect(await doomed.nothingWithin(500)).toBe('nothing');
      expect(await logouts.nothingWithin(10)).toBe('nothing');
      doomed.stop();
      logouts.stop();
    } finally {
      await service.database.db.execute(sql`drop trigger refuse_doomed_subscription on presence_changes`);
    }
  });
});
