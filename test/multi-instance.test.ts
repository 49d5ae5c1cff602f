import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets, type TestDatabase } from './support/databases.js';
import { startMain } from './support/process.js';
import { ROOM_PRESENCE, subscribeWs, wsClient, type PresenceChangeResult } from './support/subscriptions.js';
import { loginEvent, logoutEvent, postCallback, signed, TEST_SECRET } from './support/zego.js';

const postgresTarget = databaseTargets().find((t) => t.name === 'postgres');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Two service processes behind an imagined load balancer: one PostgreSQL, one Redis. */
describe.runIf(postgresTarget)('two service processes on one PostgreSQL', () => {
  let database: TestDatabase;
  let instances: ReturnType<typeof startMain>[] = [];
  let urls: string[] = [];

  beforeAll(async () => {
    database = await postgresTarget!.create();
    const env = {
      DATABASE_URL: database.location.kind === 'postgres' ? database.location.url : '',
      REDIS_URL: redisUrl,
      ZEGO_CALLBACK_SECRET: TEST_SECRET,
      PORT: '0',
      LOG_LEVEL: 'info',
      // Far beyond the waits below: what arrives can only have come through Redis.
      LIVE_CATCH_UP_S: '600',
    };
    instances = [startMain(env), startMain(env)];
    urls = await Promise.all(instances.map((instance) => instance.listening));
  });
  afterAll(async () => {
    for (const instance of instances) instance.child.kill('SIGTERM');
    await Promise.all(instances.map((instance) => instance.exited));
    await database?.dispose();
  });

  it('delivers a callback received by one instance to subscribers of the other', async () => {
    const [a, b] = urls as [string, string];
    const client = wsClient(b);
    try {
      const changes = subscribeWs<PresenceChangeResult>(client, ROOM_PRESENCE, { appId: '400', roomId: 'shared' });
      expect((await changes.next()).data!.roomPresence.kind).toBe('SNAPSHOT');
      const logouts = subscribeWs<{ logoutEvents: { userAccount: string; reason: string } }>(
        client,
        'subscription { logoutEvents(filter: { appId: "400" }) { userAccount reason } }',
      );
      await new Promise((resolve) => setTimeout(resolve, 200));

      expect((await postCallback(a, signed(loginEvent({ appId: '400', roomId: 'shared', user: 'u', session: '1', at: 1000 })))).status).toBe(200);
      const joined = (await changes.next(10_000)).data!.roomPresence;
      expect(joined).toMatchObject({ kind: 'JOINED', memberCount: 1, member: { userAccount: 'u' } });

      expect((await postCallback(a, signed(logoutEvent({ appId: '400', roomId: 'shared', user: 'u', session: '1', loginAt: 1000, at: 2000, reason: 2 })))).status).toBe(200);
      expect((await changes.next(10_000)).data!.roomPresence).toMatchObject({ kind: 'LEFT', memberCount: 0 });
      expect((await logouts.next(10_000)).data!.logoutEvents).toEqual({ userAccount: 'u', reason: 'CONNECTION_LOST' });
      changes.stop();
      logouts.stop();
    } finally {
      await client.dispose();
    }
  });
});
