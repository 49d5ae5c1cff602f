/**
 * How the logout-history queries behave at a million logouts: seeds a fresh database on the
 * PostgreSQL server at DATABASE_URL, runs each query the API issues, and prints its time and how
 * PostgreSQL reads the table. Run: DATABASE_URL=postgres://... npm run bench:history [-- <logouts>]
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase } from '../src/db/client.js';
import { countLogouts, findLogoutPage } from '../src/db/logout-history.js';
import { aggregateLogouts } from '../src/db/logout-stats.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { KNOWN_REASON_CODES, reasonCodesFor, roleCodesFor } from '../src/presence/codes.js';
import { seedLogoutHistory } from './lib/history-seed.js';

const serverUrl = process.env.DATABASE_URL;
if (!serverUrl || !/^postgres(ql)?:\/\//.test(serverUrl)) throw new Error('set DATABASE_URL to a postgres:// URL');
const logouts = Number(process.argv[2] ?? 1_000_000);

const name = `presence_bench_${randomBytes(4).toString('hex')}`;
const server = postgres(serverUrl, { max: 1, onnotice: () => {} });
await server.unsafe(`create database ${name}`);
const url = new URL(serverUrl);
url.pathname = `/${name}`;
const statements: { sql: string; params: unknown[] }[] = [];
const handle = await openDatabase({ kind: 'postgres', url: url.toString() }, { onQuery: (sql, params) => statements.push({ sql, params }) });
const admin = postgres(url.toString(), { max: 1, onnotice: () => {} });

try {
  await migrateDatabase(handle);
  const seeded = performance.now();
  const history = await seedLogoutHistory(admin, logouts);
  console.log(`seeded ${logouts} logouts and as many logins in ${Math.round(performance.now() - seeded)} ms\n`);

  const app = { appId: history.appId };
  const page = { after: null, limit: 51 };
  const day = history.window;
  const cases: [string, () => Promise<unknown>][] = [
    ['newest page', () => findLogoutPage(handle.db, app, page)],
    ['page after a cursor', () => findLogoutPage(handle.db, app, { after: history.middle, limit: 51 })],
    ['page of a room', () => findLogoutPage(handle.db, { ...app, roomId: history.roomId }, page)],
    ['page of a user', () => findLogoutPage(handle.db, { ...app, userAccount: history.userAccount }, page)],
    ['page of a reason', () => findLogoutPage(handle.db, { ...app, reasons: reasonCodesFor(['KICKED_OUT']) }, page)],
    ['page of UNKNOWN reasons', () => findLogoutPage(handle.db, { ...app, reasons: reasonCodesFor(['UNKNOWN']) }, page)],
    ['page of a role', () => findLogoutPage(handle.db, { ...app, roles: roleCodesFor(['ADMIN']) }, page)],
    ['page of a day', () => findLogoutPage(handle.db, { ...app, ...day }, page)],
    ['totalCount of a room', () => countLogouts(handle.db, { ...app, roomId: history.roomId })],
    ['totalCount of the app', () => countLogouts(handle.db, app)],
    ['stats of a room by user', () => aggregateLogouts(handle.db, { ...app, roomId: history.roomId }, { by: 'user' })],
    ['stats of a day by reason', () => aggregateLogouts(handle.db, { ...app, ...day }, { by: 'reason', knownCodes: KNOWN_REASON_CODES })],
    ['stats of the app by day', () => aggregateLogouts(handle.db, app, { by: 'day' })],
  ];
  for (const [label, run] of cases) {
    await run(); // warm the cache: the figure is the query, not the first disk read
    statements.length = 0;
    const started = performance.now();
    await run();
    const ms = performance.now() - started;
    const { sql, params } = statements.find((s) => /^\s*(select|with)\b/i.test(s.sql))!;
    const plan = await admin.unsafe(`explain ${sql}`, params.map((p) => (p instanceof Date ? p.toISOString() : p)) as never[]);
    const access = plan.map((row) => String(row['QUERY PLAN'])).find((line) => /Scan/.test(line))?.trim().replace(/\s+\(cost.*$/, '');
    console.log(`${label.padEnd(28)} ${ms.toFixed(1).padStart(8)} ms   ${access}`);
  }
} finally {
  await admin.end({ timeout: 5 });
  await handle.close();
  await server.unsafe(`drop database if exists ${name} with (force)`);
  await server.end({ timeout: 5 });
}
