import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets, type TestDatabase } from './support/databases.js';
import { startService, type TestService } from './support/service.js';
import { loginEvent, logoutEvent, postCallback, signed } from './support/zego.js';
import { createNoticeBus } from '../src/pubsub/bus.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const postgresTarget = databaseTargets().find((t) => t.name === 'postgres');

describe('the notice bus over Redis', () => {
  it('carries a notice from one bus to another of the same deployment only', async () => {
    const a = createNoticeBus(redisUrl, 'bus-test');
    const b = createNoticeBus(redisUrl, 'bus-test');
    const stranger = createNoticeBus(redisUrl, 'another-deployment');
    try {
      const overheard: unknown[] = [];
      stranger.subscribe((notice) => overheard.push(notice), () => {});
      const received = new Promise((resolve) => b.subscribe(resolve, () => {}));
      // Subscribing is asynchronous: publish until the other side has joined.
      const notice = { rooms: [{ appId: '1', roomId: 'r', version: 3 }], logoutEventIds: [7] };
      const timer = setInterval(() => a.publish(notice), 50);
      expect(await received).toEqual(notice);
      clearInterval(timer);
      // Another deployment on the same Redis hears nothing of this one.
      expect(overheard).toEqual([]);
    } finally {
      await a.close();
      await b.close();
      await stranger.close();
    }
  });
});

describe.runIf(postgresTarget)('two instances on one PostgreSQL, joined by Redis', () => {
  let database: TestDatabase;
  let first: TestService;
  let second: TestService;

  beforeAll(async () => {
    database = await postgresTarget!.create();
    first = await startService(database.handle, { REDIS_URL: redisUrl });
    second = await startService(database.handle, { REDIS_URL: redisUrl });
  });
  afterAll(async () => {
    await first?.app.stop();
    await second?.app.stop();
    await database?.dispose();
  });

  it("tells the second instance's watchers of a callback received by the first", async () => {
    const room = { appId: '81', roomId: 'shared' };
    const changes = second.feeds.presence.watch(room).changesAfter(0, (row) => row);
    const logouts = second.feeds.logouts.follow((row) => row.appId === '81');
    const nextLogout = logouts.next();
    await postCallback(first.url, signed(loginEvent({ ...room, user: 'a', session: '1', at: 1000 })));
    expect((await changes.next()).value).toMatchObject({ kind: 'JOINED', userAccount: 'a', version: 1 });
    await postCallback(first.url, signed(logoutEvent({ ...room, user: 'a', session: '1', loginAt: 1000, at: 2000, reason: 1 })));
    expect((await changes.next()).value).toMatchObject({ kind: 'LEFT', userAccount: 'a', version: 2 });
    expect((await nextLogout).value).toMatchObject({ userAccount: 'a', reasonCode: 1 });
    await changes.return?.();
    await logouts.return?.();
  });
});
