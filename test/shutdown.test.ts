import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { databaseTargets } from './support/databases.js';
import { callbackLoad } from './support/load.js';
import { startMain } from './support/process.js';
import { expectConsistent, storedUsers } from './support/consistency.js';
import { subscribeSse, subscribeWs, wsClient } from './support/subscriptions.js';
import { TEST_SECRET } from './support/zego.js';

describe.each(databaseTargets())('stopping on SIGTERM under load ($name)', (target) => {
  it('lets answered callbacks be committed, refuses the rest, closes subscriptions properly, and exits 0', async () => {
    const database = await target.create();
    const dataDir = target.name === 'pglite' ? await mkdtemp(join(tmpdir(), 'presence-shutdown-')) : null;
    // The embedded database lives in one process at a time: the service gets a directory of its own.
    if (dataDir) await database.dispose();
    const url = dataDir ? `file://${dataDir}` : database.location.kind === 'postgres' ? database.location.url : '';
    const main = startMain({ DATABASE_URL: url, PORT: '0', LOG_LEVEL: 'info', ZEGO_CALLBACK_SECRET: TEST_SECRET });
    try {
      const base = await main.listening;
      const client = wsClient(base, { lazy: false });
      let closeCode: number | undefined;
      client.on('closed', (event) => (closeCode = (event as { code: number }).code));
      const overWs = subscribeWs(client, 'subscription { roomPresence(appId: "630", roomId: "load-room-0") { kind } }');
      const overSse = subscribeSse(base, 'subscription { roomPresence(appId: "630", roomId: "load-room-1") { kind } }');
      await overWs.next();
      await overSse.next(10_000);

      const load = callbackLoad(base, { appId: '630', rooms: 10, workers: 12 });
      await new Promise((resolve) => setTimeout(resolve, 800));
      const signalled = Date.now();
      main.child.kill('SIGTERM');
      const [code] = await main.exited;
      const stoppedInMs = Date.now() - signalled;
      const records = await load.stop();

      expect(code).toBe(0);
      expect(stoppedInMs).toBeLessThan(15_000);
      expect(closeCode).toBe(1001);
      // The SSE stream ended with the protocol's complete event, not with a broken connection.
      await expect(overSse.ended).resolves.toBeUndefined();

      const answered = records.filter((r) => r.answer === 200).map((r) => r.user);
      const refused = records.filter((r) => typeof r.answer === 'number' && r.answer !== 200);
      expect(answered.length).toBeGreaterThan(10);
      expect(refused.every((r) => r.answer === 503)).toBe(true);

      const checker = dataDir ? await openDatabase({ kind: 'pglite', dataDir }) : database.handle;
      try {
        const stored = await storedUsers(checker, '630', records.map((r) => r.user));
        // Every 2xx is committed; nothing refused with 503 was.
        expect(answered.filter((user) => !stored.has(user))).toEqual([]);
        expect(refused.filter((r) => stored.has(r.user))).toEqual([]);
        await expectConsistent(checker);
      } finally {
        if (dataDir) await checker.close();
      }
      overWs.stop();
      await client.dispose();
    } finally {
      main.child.kill('SIGKILL');
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
      else await database.dispose();
    }
  }, 120_000);
});
