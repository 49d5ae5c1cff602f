import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { databaseTargets, restrictedRole, type TestDatabase } from './support/databases.js';
import { callbackLoad, type LoadRecord } from './support/load.js';
import { startMain } from './support/process.js';
import { tableCounts } from './support/rows.js';
import { startService, type TestService } from './support/service.js';
import { loginEvent, logoutEvent, postCallback, signed, TEST_SECRET } from './support/zego.js';
import { expectConsistent, storedUsers } from './support/consistency.js';

const postgresTarget = databaseTargets().find((t) => t.name === 'postgres');

const answered = (records: LoadRecord[]) => records.filter((r) => r.answer === 200).map((r) => r.user);

describe.runIf(postgresTarget)('kill -9 during a load of callbacks (PostgreSQL)', () => {
  it('keeps every callback answered 2xx, half-applies none, and takes the retries once', async () => {
    const database = await postgresTarget!.create();
    const env = { DATABASE_URL: database.location.kind === 'postgres' ? database.location.url : '', PORT: '0', LOG_LEVEL: 'info', ZEGO_CALLBACK_SECRET: TEST_SECRET };
    try {
      const first = startMain(env);
      const load = callbackLoad(await first.listening, { appId: '640', rooms: 20, workers: 16 });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      first.child.kill('SIGKILL');
      await first.exited;
      const records = await load.stop();
      expect(answered(records).length).toBeGreaterThan(20);

      const stored = await storedUsers(database.handle, '640', records.map((r) => r.user));
      expect(answered(records).filter((user) => !stored.has(user))).toEqual([]);
      await expectConsistent(database.handle);

      // ZEGO retries whatever was not answered 2xx: after a restart each is taken exactly once.
      const second = startMain(env);
      const url = await second.listening;
      const unanswered = records.filter((r) => r.answer !== 200);
      for (const record of unanswered) {
        const i = Number(record.user.slice('load-'.length));
        const retry = loginEvent({ appId: '640', roomId: `load-room-${i % 20}`, user: record.user, session: String(i + 1), at: 1_700_000_000_000 + i });
        const response = await postCallback(url, signed(retry));
        expect(response.status).toBe(200);
      }
      const everyone = await storedUsers(database.handle, '640', records.map((r) => r.user));
      expect(everyone.size).toBe(records.length);
      await expectConsistent(database.handle);
      second.child.kill('SIGTERM');
      await second.exited;
    } finally {
      await database.dispose();
    }
  }, 120_000);
});

describe('kill -9 during a load of callbacks (embedded PGlite)', () => {
  it('keeps every callback answered 2xx and half-applies none', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'presence-kill-'));
    try {
      const main = startMain({ DATABASE_URL: `file://${dataDir}`, PORT: '0', LOG_LEVEL: 'info', ZEGO_CALLBACK_SECRET: TEST_SECRET });
      const load = callbackLoad(await main.listening, { appId: '641', rooms: 10, workers: 8 });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      main.child.kill('SIGKILL');
      await main.exited;
      const records = await load.stop();
      const handle = await openDatabase({ kind: 'pglite', dataDir });
      try {
        const stored = await storedUsers(handle, '641', records.map((r) => r.user));
        expect(answered(records).length).toBeGreaterThan(5);
        expect(answered(records).filter((user) => !stored.has(user))).toEqual([]);
        await expectConsistent(handle);
      } finally {
        await handle.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe.runIf(postgresTarget)('PostgreSQL connections cut during a load of callbacks', () => {
  it('answers 503 (never 2xx) for what it could not commit, and 200 again once the database is back', async () => {
    const database = await postgresTarget!.create();
    const admin = database.admin!;
    const app = await restrictedRole(database);
    const role = app.name;
    const service = await startService(app.handle);
    try {
      const load = callbackLoad(service.url, { appId: '642', rooms: 20, workers: 12 });
      await new Promise((resolve) => setTimeout(resolve, 500));
      // The database goes away: logins refused, every connection of the service terminated.
      await admin.unsafe(`alter role ${role} nologin`);
      for (let i = 0; i < 5; i++) {
        await admin`select pg_terminate_backend(pid) from pg_stat_activity where usename = ${role}`;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await admin.unsafe(`alter role ${role} login`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const records = await load.stop();

      expect(records.filter((r) => r.answer === 503).length).toBeGreaterThan(0);
      expect(records.filter((r) => r.answer !== 200 && r.answer !== 503)).toEqual([]);
      const stored = await storedUsers(database.handle, '642', records.map((r) => r.user));
      expect(answered(records).filter((user) => !stored.has(user))).toEqual([]);
      await expectConsistent(database.handle);
      // Back without a restart: once the pool has reconnected, every callback is accepted again.
      const next = (i: number) => signed(loginEvent({ appId: '642', roomId: 'after', user: `after-${i}`, session: String(i + 1), at: 1000 + i }));
      const deadline = Date.now() + 10_000;
      let i = 0;
      while ((await postCallback(service.url, next(i++))).status !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      for (let k = 0; k < 20; k++) expect((await postCallback(service.url, next(i++))).status).toBe(200);
    } finally {
      await service.app.stop();
      await app.drop();
      await database.dispose();
    }
  }, 120_000);
});

/** Bodies that must all be refused with a 4xx: broken, mistyped, oversized, deep, mis-signed, stale. */
const hostileBodies = (valid: Record<string, string>) => {
  const text = JSON.stringify(valid);
  const field = fc.constantFrom(...Object.keys(valid).filter((k) => !['timestamp', 'nonce', 'signature'].includes(k)));
  // Fields a login cannot do without; optional ones may be absent (null), and ids may be bare numbers.
  const required = fc.constantFrom('event', 'appid', 'room_id', 'room_seq', 'user_account', 'session_id', 'login_time');
  return fc.oneof(
    fc.nat({ max: text.length - 2 }).map((n) => ({ body: Buffer.from(text.slice(0, n + 1)), type: 'application/json' })),
    fc.tuple(required, fc.oneof(fc.constant(null), fc.boolean(), fc.object(), fc.array(fc.integer()))).map(
      ([key, value]) => ({ body: Buffer.from(JSON.stringify({ ...valid, [key]: value })), type: 'application/json' }),
    ),
    fc.tuple(field, fc.integer({ min: 10_000, max: 120_000 })).map(([key, size]) => ({ body: Buffer.from(JSON.stringify({ ...valid, [key]: 'x'.repeat(size) })), type: 'application/json' })),
    fc.integer({ min: 40, max: 5_000 }).map((depth) => ({ body: Buffer.from(`${text.slice(0, -1)},"deep":${'['.repeat(depth)}${']'.repeat(depth)}}`), type: 'application/json' })),
    fc.uint8Array({ minLength: 1, maxLength: 40 }).map((bytes) => ({ body: Buffer.concat([Buffer.from(text.slice(0, 30)), Buffer.from(bytes.map((b) => b | 0x80)), Buffer.from(text.slice(30))]), type: 'application/json' })),
    fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 40, maxLength: 40 }).map((signature) => ({ body: Buffer.from(JSON.stringify({ ...valid, signature })), type: 'application/json' })),
    fc.integer({ min: 301, max: 10_000_000 }).map((age) => ({ body: Buffer.from(JSON.stringify(signed(valid, { timestamp: Math.floor(Date.now() / 1000) - age }))), type: 'application/json' })),
    fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ body: Buffer.from(bytes), type: 'application/x-www-form-urlencoded' })),
    fc.string({ maxLength: 200 }).map((junk) => ({ body: Buffer.from(junk), type: 'application/json' })),
  );
};

describe('1,000 generated hostile bodies', () => {
  let database: TestDatabase;
  let service: TestService;

  beforeAll(async () => {
    database = await databaseTargets().at(-1)!.create();
    service = await startService(database.handle);
  });
  afterAll(async () => {
    await service?.app.stop();
    await database?.dispose();
  });

  it('are all refused with a 4xx, change no row, and leave the service serving', async () => {
    const valid = signed(loginEvent({ appId: '650', roomId: 'hostile', at: 1000 }));
    const before = await tableCounts(service.database.db);
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(hostileBodies(valid), async ({ body, type }) => {
        const response = await fetch(`${service.url}/callbacks/zego`, { method: 'POST', headers: { 'content-type': type }, body: new Uint8Array(body) });
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        expect(((await response.json()) as { ok: boolean }).ok).toBe(false);
      }),
      { seed: 4242, numRuns: 1000 },
    );
    expect(await tableCounts(service.database.db)).toEqual(before);
    // Several kinds of refusal were exercised, not one.
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([400, 401, 413]));
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    expect((await postCallback(service.url, signed(logoutEvent({ appId: '650', roomId: 'hostile', loginAt: 1000, at: 2000 })))).status).toBe(200);
  }, 300_000);
});
