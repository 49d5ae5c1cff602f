import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets, restrictedRole, type RestrictedRole, type TestDatabase } from './support/databases.js';
import { tableCounts } from './support/rows.js';
import { startService, type TestService } from './support/service.js';
import { loginEvent, postCallback, signed } from './support/zego.js';

const postgresTarget = databaseTargets().find((t) => t.name === 'postgres');
const pgliteTarget = databaseTargets().find((t) => t.name === 'pglite')!;

/**
 * The service runs as its own role, as in production, so the test can take the database away
 * from it (revoke a privilege, refuse its logins) and give it back, while a superuser watches.
 */
describe.runIf(postgresTarget)('when PostgreSQL becomes unavailable', () => {
  let database: TestDatabase;
  let app: RestrictedRole;
  let role: string;
  let service: TestService;
  let n = 0;
  const nextLogin = () => signed(loginEvent({ appId: '70', roomId: 'down', user: `u${++n}`, session: String(n), at: 1000 + n, updateSeq: n }));

  beforeAll(async () => {
    database = await postgresTarget!.create();
    app = await restrictedRole(database);
    role = app.name;
    service = await startService(app.handle);
  });
  afterAll(async () => {
    await service?.app.stop();
    await app?.drop();
    await database?.dispose();
    await database?.admin?.end().catch(() => {});
  });

  it('answers 503 when a write fails midway, keeps nothing of it, and 200 once it works again', async () => {
    const admin = database.admin!;
    expect((await postCallback(service.url, nextLogin())).status).toBe(200);
    // The event row is written before the presence change: revoking the latter fails the transaction halfway.
    await admin.unsafe(`revoke insert on presence_changes from ${role}`);
    const before = await tableCounts(database.handle.db);
    const login = nextLogin();
    const refused = await postCallback(service.url, login);
    expect(refused).toMatchObject({ status: 503, body: { ok: false, error: 'database_unavailable' } });
    expect(await tableCounts(database.handle.db)).toEqual(before);

    await admin.unsafe(`grant insert on presence_changes to ${role}`);
    // ZEGO's retry of the same callback now succeeds.
    expect(await postCallback(service.url, login)).toMatchObject({ status: 200, body: { status: 'applied' } });
  });

  it('answers 503 while its connections are cut and logins refused, and recovers without a restart', async () => {
    const admin = database.admin!;
    await admin.unsafe(`alter role ${role} nologin`);
    await admin`select pg_terminate_backend(pid) from pg_stat_activity where usename = ${role}`;
    const before = await tableCounts(database.handle.db);

    const login = nextLogin();
    expect((await postCallback(service.url, login)).status).toBe(503);
    expect((await fetch(`${service.url}/readyz`)).status).toBe(503);
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    expect(await tableCounts(database.handle.db)).toEqual(before);

    await admin.unsafe(`alter role ${role} login`);
    expect((await postCallback(service.url, login)).status).toBe(200);
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
  });
});

describe('when the embedded database is closed', () => {
  let database: TestDatabase;
  let service: TestService;

  beforeAll(async () => {
    database = await pgliteTarget.create();
    service = await startService(database.handle);
  });
  afterAll(async () => {
    await service?.app.stop();
    await database?.dispose();
  });

  it('answers 503, so that ZEGO retries', async () => {
    const login = signed(loginEvent({ appId: '71', at: 1000 }));
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
    await database.handle.close();
    expect((await postCallback(service.url, login)).status).toBe(503);
    expect((await fetch(`${service.url}/readyz`)).status).toBe(503);
  });
});
