import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../src/db/client.js';
import { databaseTargets, type TestDatabase } from './support/databases.js';
import { queryData } from './support/graphql.js';
import { queryRows } from './support/rows.js';
import { startService, type TestService } from './support/service.js';
import { mean, percentileCont, seededRandom } from './support/statistics.js';
import { legacyLogoutEvent, logoutEvent, postAll, type Fields } from './support/zego.js';

const appId = '401';
const BASE = Date.UTC(2026, 4, 1, 0, 0, 0, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const REASONS = ['NORMAL', 'HEARTBEAT_TIMEOUT', 'CONNECTION_LOST', 'KICKED_OUT', 'TOKEN_EXPIRED', 'UNKNOWN'];
const ROLES = ['HOST', 'AUDIENCE', 'ADMIN', 'UNKNOWN'];
const reasonName = (code: number) => (code >= 0 && code <= 4 ? REASONS[code]! : 'UNKNOWN');
const roleName = (code: number) => ({ 1: 'HOST', 2: 'AUDIENCE', 4: 'ADMIN' })[code] ?? 'UNKNOWN';

interface Logout {
  roomId: string;
  user: string;
  roleCode: number;
  reasonCode: number;
  /** Null for a legacy logout whose login the service never saw. */
  loginAt: number | null;
  logoutAt: number;
}

const random = seededRandom(20260501);
const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)]!;

// Skewed on purpose, so that buckets differ in size and ordering by count means something.
const rooms = ['ra', 'ra', 'ra', 'ra', 'rb', 'rb', 'rb', 'rc', 'rc', 'rd'];
const users = Array.from({ length: 12 }, (_, i) => `u${String(i).padStart(2, '0')}`);
const fixture: Logout[] = Array.from({ length: 300 }, (_, i) => {
  // Every 25th logout falls exactly on an hour boundary, which belongs to the hour it starts.
  const logoutAt = i % 25 === 0 ? BASE + Math.floor(random() * 72) * HOUR : BASE + Math.floor(random() * 3 * DAY);
  return {
    roomId: pick(rooms),
    user: pick(users),
    roleCode: pick([1, 2, 2, 2, 4, 0, 3, 5]), // 0, 3 and 5: unknown codes below, between and above the known ones
    reasonCode: pick([0, 0, 0, 1, 1, 2, 3, 4, 7, 9]),
    loginAt: logoutAt - Math.floor(random() * 2 * HOUR),
    logoutAt,
  };
});
// Legacy logouts without a login: counted, but without a duration. Each user has only this one,
// so that user's bucket has a count and no duration statistics at all.
const legacy: Logout[] = Array.from({ length: 8 }, (_, i) => ({
  roomId: 'rd',
  user: `legacy${i}`,
  roleCode: 0,
  reasonCode: pick([0, 2, 8]),
  loginAt: null,
  logoutAt: BASE + Math.floor(random() * 3 * DAY),
}));
const all = [...fixture, ...legacy];

const callbackOf = (logout: Logout, i: number): Fields =>
  logout.loginAt === null
    ? legacyLogoutEvent({ appId, roomId: logout.roomId, seq: '5', user: logout.user, at: logout.logoutAt, reason: logout.reasonCode })
    : logoutEvent({
        appId,
        roomId: logout.roomId,
        seq: '5',
        user: logout.user,
        session: String(10_000 + i),
        role: logout.roleCode,
        reason: logout.reasonCode,
        loginAt: logout.loginAt,
        at: logout.logoutAt,
      });

interface Bucket {
  key: string;
  count: number;
  avgSessionMs: number | null;
  p50SessionMs: number | null;
  p95SessionMs: number | null;
}

/** The buckets as the contract defines them, computed here from the fixture alone. */
function expectedBuckets(logouts: readonly Logout[], keyOf: (logout: Logout) => string, order: (a: Bucket, b: Bucket) => number): Bucket[] {
  const groups = new Map<string, Logout[]>();
  for (const logout of logouts) groups.set(keyOf(logout), [...(groups.get(keyOf(logout)) ?? []), logout]);
  return [...groups].map(([key, members]) => {
    const durations = members.filter((m) => m.loginAt !== null).map((m) => m.logoutAt - m.loginAt!);
    return {
      key,
      count: members.length,
      avgSessionMs: mean(durations),
      p50SessionMs: percentileCont(durations, 0.5),
      p95SessionMs: percentileCont(durations, 0.95),
    };
  }).sort(order);
}

const inEnumOrder = (names: string[]) => (a: Bucket, b: Bucket) => names.indexOf(a.key) - names.indexOf(b.key);
const byCountThenKey = (a: Bucket, b: Bucket) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
const byKey = (a: Bucket, b: Bucket) => (a.key < b.key ? -1 : 1);
const startOf = (ms: number, size: number) => new Date(Math.floor(ms / size) * size).toISOString();

const groupings: [string, (logout: Logout) => string, (a: Bucket, b: Bucket) => number][] = [
  ['REASON', (l) => reasonName(l.reasonCode), inEnumOrder(REASONS)],
  ['ROLE', (l) => roleName(l.roleCode), inEnumOrder(ROLES)],
  ['ROOM', (l) => l.roomId, byCountThenKey],
  ['USER', (l) => l.user, byCountThenKey],
  ['HOUR', (l) => startOf(l.logoutAt, HOUR), byKey],
  ['DAY', (l) => startOf(l.logoutAt, DAY), byKey],
];

function expectSameBuckets(actual: Bucket[], expected: Bucket[]) {
  expect(actual.map((bucket) => [bucket.key, bucket.count])).toEqual(expected.map((bucket) => [bucket.key, bucket.count]));
  actual.forEach((bucket, i) => {
    for (const field of ['avgSessionMs', 'p50SessionMs', 'p95SessionMs'] as const) {
      const want = expected[i]![field];
      if (want === null) expect(bucket[field], `${bucket.key} ${field}`).toBeNull();
      else expect(bucket[field], `${bucket.key} ${field}`).toBeCloseTo(want, 6);
    }
  });
}

const STATS_QUERY = `query($filter: LogoutEventFilter, $groupBy: LogoutStatsGroupBy!) {
  logoutStats(filter: $filter, groupBy: $groupBy) { key count avgSessionMs p50SessionMs p95SessionMs }
}`;

describe.each(databaseTargets())('GraphQL logout statistics ($name)', (target) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let service: TestService;

  beforeAll(async () => {
    database = await target.create();
    // The database's sessions run half an hour off UTC: HOUR and DAY buckets must still be UTC's.
    if (database.location.kind === 'postgres') {
      const name = new URL(database.location.url).pathname.slice(1);
      await database.admin!.unsafe(`alter database ${name} set timezone to 'Asia/Kolkata'`);
      // A pool opened after the change: every one of its connections starts in that zone.
      handle = await openDatabase(database.location);
    } else {
      handle = database.handle;
      await handle.db.execute(sql`set timezone to 'Asia/Kolkata'`);
    }
    service = await startService(handle);
    await postAll(service.url, all.map(callbackOf));
  });
  afterAll(async () => {
    await service?.app.stop();
    if (handle !== database?.handle) await handle?.close();
    await database?.dispose();
  });

  it('runs in a database whose time zone is not UTC', async () => {
    const [row] = await queryRows(handle.db, sql`select current_setting('TimeZone') as zone`);
    expect(row).toEqual({ zone: 'Asia/Kolkata' });
  });

  it('has a fixture that exercises every kind of bucket', () => {
    const reasons = new Set(all.map((l) => reasonName(l.reasonCode)));
    expect([...reasons].sort()).toEqual([...REASONS].sort());
    expect(new Set(all.map((l) => roleName(l.roleCode))).size).toBe(ROLES.length);
    expect(new Set(all.map((l) => startOf(l.logoutAt, DAY))).size).toBe(3);
  });

  it.each(groupings)('groups by %s', async (groupBy, keyOf, order) => {
    const data = await queryData(service.url, STATS_QUERY, { filter: { appId }, groupBy });
    expectSameBuckets(data.logoutStats, expectedBuckets(all, keyOf, order));
  });

  it.each(groupings)('groups by %s within a filter', async (groupBy, keyOf, order) => {
    const from = BASE + 12 * HOUR;
    const to = BASE + 2 * DAY + 5 * HOUR;
    const filter = { appId, roomId: 'ra', reasons: ['NORMAL', 'UNKNOWN'], roles: ['AUDIENCE', 'HOST'], from: new Date(from).toISOString(), to: new Date(to).toISOString() };
    const matching = all.filter(
      (l) =>
        l.roomId === 'ra' &&
        ['NORMAL', 'UNKNOWN'].includes(reasonName(l.reasonCode)) &&
        [1, 2].includes(l.roleCode) &&
        l.logoutAt >= from &&
        l.logoutAt < to,
    );
    expect(matching.length).toBeGreaterThan(10);
    const data = await queryData(service.url, STATS_QUERY, { filter, groupBy });
    expectSameBuckets(data.logoutStats, expectedBuckets(matching, keyOf, order));
  });

  it('answers no buckets when nothing matches', async () => {
    const data = await queryData(service.url, STATS_QUERY, { filter: { appId, roomId: 'no-such-room' }, groupBy: 'REASON' });
    expect(data.logoutStats).toEqual([]);
  });
});
