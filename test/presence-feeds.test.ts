import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { LogoutRecord } from '../src/db/logout-history.js';
import { loadPresenceVersions } from '../src/db/presence-log.js';
import { databaseTargets } from './support/databases.js';
import { tableCounts } from './support/rows.js';
import { serviceFixture } from './support/service.js';
import { loginEvent, logoutEvent, postCallback, signed } from './support/zego.js';

const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms))]);

describe.each(databaseTargets())('live feeds fed through the database ($name)', (target) => {
  const fixture = serviceFixture(target);

  it('hands every committed change of a watched room to its watchers, in order', async () => {
    const room = { appId: '80', roomId: 'feed' };
    const watch = fixture.service.feeds.presence.watch(room);
    const changes = watch.changesAfter(0, (row) => row);
    await postCallback(fixture.service.url, signed(loginEvent({ ...room, user: 'a', session: '1', at: 1000, updateSeq: 1 })));
    await postCallback(fixture.service.url, signed(loginEvent({ ...room, user: 'b', session: '2', at: 2000, updateSeq: 2 })));
    await postCallback(fixture.service.url, signed(logoutEvent({ ...room, user: 'a', session: '1', loginAt: 1000, at: 3000, updateSeq: 3 })));
    const received = [];
    for (let i = 0; i < 3; i++) received.push((await changes.next()).value);
    expect(received.map((c) => [c.version, c.kind, c.userAccount, c.memberCount])).toEqual([
      [1, 'JOINED', 'a', 1],
      [2, 'JOINED', 'b', 2],
      [3, 'LEFT', 'a', 1],
    ]);
    await changes.return?.();
    expect(fixture.service.feeds.presence.watchedRooms).toBe(0);
  });

  it('replays from a version, then goes on live', async () => {
    const room = { appId: '80', roomId: 'feed' };
    const watch = fixture.service.feeds.presence.watch(room);
    const changes = watch.changesAfter(1, (row) => row);
    await postCallback(fixture.service.url, signed(logoutEvent({ ...room, user: 'b', session: '2', loginAt: 2000, at: 4000, updateSeq: 4 })));
    const versions = [];
    for (let i = 0; i < 3; i++) versions.push((await changes.next()).value.version);
    expect(versions).toEqual([2, 3, 4]);
    await changes.return?.();
  });

  it('answers reads asked at once in the order asked, each as the map makes it of the row and its room', async () => {
    const room = { appId: '80', roomId: 'feed-at-once' };
    const changes = fixture.service.feeds.presence.watch(room).changesAfter(0, (row, of) => `${of.roomId}#${row.version}:${row.kind}`);
    const asked = [changes.next(), changes.next(), changes.next()];
    await postCallback(fixture.service.url, signed(loginEvent({ ...room, user: 'a', session: '1', at: 1000, updateSeq: 1 })));
    await postCallback(fixture.service.url, signed(loginEvent({ ...room, user: 'b', session: '2', at: 2000, updateSeq: 2 })));
    const answered = await within(Promise.all(asked.slice(0, 2)), 5_000);
    expect(answered !== 'timeout' && answered.map((r) => r.value)).toEqual(['feed-at-once#1:JOINED', 'feed-at-once#2:JOINED']);
    // The third waits for a change that never comes: returning ends it, and releases the room.
    expect(await within(asked[2]!, 200)).toBe('timeout');
    await changes.return?.();
    expect(await asked[2]).toEqual({ value: undefined, done: true });
    expect(await changes.next()).toEqual({ value: undefined, done: true });
    expect(fixture.service.feeds.presence.watchedRooms).toBe(0);
  });

  it('reads the newest versions of many rooms at once for the catch-up sweep, leaving out rooms never seen', async () => {
    const db = fixture.service.database.db;
    const keys = Array.from({ length: 600 }, (_, i) => ({ appId: '81', roomId: `sweep-${i}` }));
    for (const [i, roomId] of ['sweep-3', 'sweep-597'].entries()) {
      for (let turn = 0; turn <= i; turn++) {
        await postCallback(fixture.service.url, signed(loginEvent({ appId: '81', roomId, user: `u${turn}`, session: String(10 + turn), at: 1000 + turn, updateSeq: turn + 1 })));
      }
    }
    // Same room id under another app, and a room id with characters JSON must escape.
    await postCallback(fixture.service.url, signed(loginEvent({ appId: '82', roomId: 'sweep-5', user: 'z', session: '99', at: 1000, updateSeq: 1 })));
    await postCallback(fixture.service.url, signed(loginEvent({ appId: '81', roomId: 'sweep "q" \\ é', user: 'q', session: '98', at: 1000, updateSeq: 1 })));
    keys.push({ appId: '81', roomId: 'sweep "q" \\ é' });
    const versions = await loadPresenceVersions(db, keys);
    expect(versions.sort((a, b) => (a.roomId < b.roomId ? -1 : 1))).toEqual([
      { appId: '81', roomId: 'sweep "q" \\ é', version: 1 },
      { appId: '81', roomId: 'sweep-3', version: 1 },
      { appId: '81', roomId: 'sweep-597', version: 2 },
    ]);
    expect(await loadPresenceVersions(db, [])).toEqual([]);
  });

  it('hands new logouts to logout followers, filtered', async () => {
    const logouts = fixture.service.feeds.logouts.follow((row: LogoutRecord) => row.roomId === 'followed');
    const next = logouts.next();
    await postCallback(fixture.service.url, signed(logoutEvent({ appId: '80', roomId: 'other', user: 'x', session: '7', loginAt: 1, at: 2 })));
    await postCallback(fixture.service.url, signed(logoutEvent({ appId: '80', roomId: 'followed', user: 'y', session: '8', loginAt: 1, at: 2, reason: 3 })));
    const { value } = await next;
    expect(value).toMatchObject({ roomId: 'followed', userAccount: 'y', reasonCode: 3 });
    await logouts.return?.();
    expect(fixture.service.feeds.logouts.subscriberCount).toBe(0);
  });

  it('announces nothing for a write that rolls back, and still the events committed beside it', async () => {
    // A trigger fails the transaction at its very last write, for one room only.
    await fixture.service.database.db.execute(sql`
      create function refuse_doomed() returns trigger language plpgsql as $$
      begin
        if exists (select 1 from rooms where id = new.room_pk and room_id = 'doomed') then
          raise exception 'doomed room';
        end if;
        return new;
      end $$`);
    await fixture.service.database.db.execute(
      sql`create trigger refuse_doomed after insert on presence_changes for each row execute function refuse_doomed()`,
    );
    try {
      const doomed = fixture.service.feeds.presence.watch({ appId: '80', roomId: 'doomed' }).changesAfter(0, (row) => row);
      const fine = fixture.service.feeds.presence.watch({ appId: '80', roomId: 'fine' }).changesAfter(0, (row) => row);
      const doomedNext = doomed.next();
      const before = await tableCounts(fixture.service.database.db);
      const [refused, accepted] = await Promise.all([
        postCallback(fixture.service.url, signed(loginEvent({ appId: '80', roomId: 'doomed', user: 'z', session: '9', at: 1000 }))),
        postCallback(fixture.service.url, signed(loginEvent({ appId: '80', roomId: 'fine', user: 'y', session: '8', at: 1000 }))),
      ]);
      expect(refused.status).toBe(500);
      expect(accepted.status).toBe(200);
      expect((await fine.next()).value).toMatchObject({ kind: 'JOINED', userAccount: 'y' });
      expect(await within(doomedNext, 500)).toBe('timeout');
      const after = await tableCounts(fixture.service.database.db);
      expect(after.roomEvents).toBe(before.roomEvents! + 1);
      await doomed.return?.();
      await fine.return?.();
    } finally {
      await fixture.service.database.db.execute(sql`drop trigger refuse_doomed on presence_changes`);
    }
  });
});
