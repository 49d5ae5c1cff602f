import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets, type TestDatabase } from './support/databases.js';
import { queryData } from './support/graphql.js';
import { startService, type TestService } from './support/service.js';
import { legacyLogoutEvent, loginEvent, logoutEvent, postAll, postCallback, signed, type Fields } from './support/zego.js';

const appId = '301';
const otherAppId = '302';
const BASE = Date.UTC(2026, 2, 1, 0, 0, 0, 0);
const REASON_CODES = [0, 1, 2, 3, 4, 9, 0];
const ROLE_CODES = [1, 2, 2, 4, 3];
const REASON_NAMES: Record<number, string> = { 0: 'NORMAL', 1: 'HEARTBEAT_TIMEOUT', 2: 'CONNECTION_LOST', 3: 'KICKED_OUT', 4: 'TOKEN_EXPIRED' };
const ROLE_NAMES: Record<number, string> = { 1: 'HOST', 2: 'AUDIENCE', 4: 'ADMIN' };

/** One logout of the fixture, as the test knows it independently of the service. */
interface Logout {
  roomId: string;
  user: string;
  session: string;
  roleCode: number;
  reasonCode: number;
  loginAt: number;
  logoutAt: number;
}

// 1,050 logouts in 7 rooms by 40 users; three logouts share each millisecond, so cursors must
// break ties by id to neither repeat nor skip one.
const history: Logout[] = Array.from({ length: 1050 }, (_, i) => ({
  roomId: `r${i % 7}`,
  user: `u${String(i % 40).padStart(2, '0')}`,
  session: String(1_000_000 + i),
  roleCode: ROLE_CODES[i % ROLE_CODES.length]!,
  reasonCode: REASON_CODES[i % REASON_CODES.length]!,
  loginAt: BASE + Math.floor(i / 3) * 1000 - 1000 * (1 + (i % 50)),
  logoutAt: BASE + Math.floor(i / 3) * 1000,
}));

const callbackOf = (logout: Logout, app = appId): Fields =>
  logoutEvent({
    appId: app,
    roomId: logout.roomId,
    seq: '77',
    user: logout.user,
    session: logout.session,
    role: logout.roleCode,
    reason: logout.reasonCode,
    loginAt: logout.loginAt,
    at: logout.logoutAt,
  });

const PAGE_QUERY = `query($filter: LogoutEventFilter, $first: Int, $after: String) {
  logoutEvents(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { cursor node { id sessionId logoutAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

interface Row {
  id: string;
  sessionId: string;
  logoutAt: string;
}

describe.each(databaseTargets())('GraphQL logout history ($name)', (target) => {
  let database: TestDatabase;
  let service: TestService;

  /** Every logout matching `filter`, following cursors page by page; `between` runs after each page. */
  async function everyLogout(filter: Record<string, unknown>, first = 500, between: (page: number) => Promise<void> = async () => {}) {
    const rows: Row[] = [];
    let after: string | null = null;
    for (let page = 0; ; page += 1) {
      const data: any = await queryData(service.url, PAGE_QUERY, { filter, first, after });
      const connection = data.logoutEvents;
      rows.push(...connection.edges.map((edge: any) => edge.node));
      expect(connection.pageInfo.endCursor).toBe(connection.edges.at(-1)?.cursor ?? null);
      if (!connection.pageInfo.hasNextPage) return { rows, totalCount: connection.totalCount as number, pages: page + 1 };
      after = connection.pageInfo.endCursor;
      await between(page);
      if (page > 100) throw new Error('pagination does not end');
    }
  }

  const sessionsOf = (logouts: readonly Logout[]) => logouts.map((logout) => logout.session).sort();
  const sessionsIn = (rows: readonly Row[]) => rows.map((row) => row.sessionId).sort();

  beforeAll(async () => {
    database = await target.create();
    service = await startService(database.handle);
    await postAll(service.url, history.map((logout) => callbackOf(logout)), { concurrency: 4 });
    await postAll(service.url, history.slice(0, 5).map((logout) => callbackOf(logout, otherAppId)));
  });
  afterAll(async () => {
    await service?.app.stop();
    await database?.dispose();
  });

  const filters: [string, Record<string, unknown>, (logout: Logout) => boolean][] = [
    ['roomId', { roomId: 'r3' }, (l) => l.roomId === 'r3'],
    ['userAccount', { userAccount: 'u07' }, (l) => l.user === 'u07'],
    ['one reason', { reasons: ['KICKED_OUT'] }, (l) => l.reasonCode === 3],
    ['UNKNOWN reasons', { reasons: ['UNKNOWN'] }, (l) => !(l.reasonCode in REASON_NAMES)],
    ['a known reason or UNKNOWN', { reasons: ['NORMAL', 'UNKNOWN'] }, (l) => l.reasonCode === 0 || !(l.reasonCode in REASON_NAMES)],
    ['one role', { roles: ['ADMIN'] }, (l) => l.roleCode === 4],
    ['UNKNOWN roles', { roles: ['UNKNOWN'] }, (l) => !(l.roleCode in ROLE_NAMES)],
    ['several roles', { roles: ['HOST', 'AUDIENCE'] }, (l) => l.roleCode === 1 || l.roleCode === 2],
    ['from (inclusive)', { from: new Date(BASE + 200_000).toISOString() }, (l) => l.logoutAt >= BASE + 200_000],
    ['to (exclusive)', { to: new Date(BASE + 100_000).toISOString() }, (l) => l.logoutAt < BASE + 100_000],
    [
      'everything at once',
      { roomId: 'r2', reasons: ['NORMAL', 'CONNECTION_LOST'], roles: ['AUDIENCE'], from: '2026-03-01T00:01:00+00:00', to: '2026-03-01T06:00:00+05:30' },
      (l) => l.roomId === 'r2' && [0, 2].includes(l.reasonCode) && l.roleCode === 2 && l.logoutAt >= BASE + 60_000 && l.logoutAt < BASE + 30 * 60_000,
    ],
    ['an empty list', { reasons: [] }, () => false],
  ];

  it.each(filters)('filters by %s', async (_name, filter, matches) => {
    const { rows, totalCount } = await everyLogout({ appId, ...filter });
    expect(sessionsIn(rows)).toEqual(sessionsOf(history.filter(matches)));
    expect(totalCount).toBe(rows.length);
  });

  it('keeps apps apart', async () => {
    const { rows } = await everyLogout({ appId: otherAppId });
    expect(sessionsIn(rows)).toEqual(sessionsOf(history.slice(0, 5)));
  });

  it('refetches a logout by its node id, and finds no LogoutEvent under the id of another event', async () => {
    const { logoutEvents } = await queryData(service.url, `{ logoutEvents(filter: { appId: "${otherAppId}" }, first: 1) { edges { node { id sessionId } } } }`);
    const [{ node: logout }] = logoutEvents.edges;
    const data = await queryData(service.url, `query($id: ID!) { node(id: $id) { __typename id ... on LogoutEvent { sessionId } } }`, { id: logout.id });
    expect(data.node).toEqual({ __typename: 'LogoutEvent', id: logout.id, sessionId: logout.sessionId });

    const login = await postCallback(service.url, signed(loginEvent({ appId: otherAppId, roomId: 'r9', user: 'kim', session: '77', at: BASE })));
    const loginAsLogout = Buffer.from(`LogoutEvent:${login.body.eventId}`).toString('base64');
    expect((await queryData(service.url, `query($id: ID!) { node(id: $id) { id } }`, { id: loginAsLogout })).node).toBeNull();
  });
  // The tests below add logouts of their own, so they come after those that count the fixture exactly.
  it('pages forwards through 1,050 logouts, newest first, with no duplicate and no gap while logouts keep arriving', async () => {
    const newer: Logout[] = [1, 2, 3].map((n) => ({ ...history[0]!, session: String(2_000_000 + n), loginAt: BASE + 9e8, logoutAt: BASE + 1e9 + n }));
    const late: Logout[] = [1, 2].map((n) => ({ ...history[0]!, session: String(3_000_000 + n), loginAt: BASE - 9e8, logoutAt: BASE - 1e8 + n }));
    const { rows, totalCount, pages } = await everyLogout({ appId }, 100, async (page) => {
      // Mid-way, new logouts arrive: newer ones (ahead of the pages already read) and late
      // deliveries of old ones (behind them).
      if (page === 2) await postAll(service.url, [...newer, ...late].map((logout) => callbackOf(logout)));
    });
    expect(totalCount).toBe(history.length + newer.length + late.length);
    expect(pages).toBe(11);
    expect(new Set(rows.map((row) => row.id)).size).toBe(rows.length);
    // A cursor is a position: what arrives ahead of it is not on the following pages, what arrives behind it is.
    expect(sessionsIn(rows)).toEqual(sessionsOf([...history, ...late]));
    const times = rows.map((row) => Date.parse(row.logoutAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('reports the fields of a logout exactly, and a legacy logout without a known login', async () => {
    const legacyAt = BASE + 5e8;
    const update = await postCallback(
      service.url,
      signed(logoutEvent({ appId, roomId: 'exact', seq: '18446744073709551615', user: 'ivy', nickname: 'Ivy ✨', session: '9007199254740993', role: 4, reason: 3, loginAt: BASE + 4e8, at: BASE + 4e8 + 4326, updateSeq: 13 })),
    );
    expect(update.status).toBe(200);
    expect((await postCallback(service.url, signed(legacyLogoutEvent({ appId, roomId: 'exact', user: 'jay', at: legacyAt, reason: 12 })))).status).toBe(200);
    const data = await queryData(service.url, `{ logoutEvents(filter: { appId: "${appId}", roomId: "exact" }) { edges { node {
        appId roomId roomSeq userAccount nickname sessionId role roleCode reason reasonCode loginAt logoutAt sessionDurationMs userUpdateSeq receivedAt room { roomId } } } } }`);
    const [legacy, exact] = data.logoutEvents.edges.map((edge: any) => edge.node);
    expect(exact).toMatchObject({
      appId,
      roomId: 'exact',
      roomSeq: '18446744073709551615',
      userAccount: 'ivy',
      nickname: 'Ivy ✨',
      sessionId: '9007199254740993',
      role: 'ADMIN',
      roleCode: 4,
      reason: 'KICKED_OUT',
      reasonCode: 3,
      loginAt: new Date(BASE + 4e8).toISOString(),
      logoutAt: new Date(BASE + 4e8 + 4326).toISOString(),
      sessionDurationMs: 4326,
      userUpdateSeq: '13',
      room: { roomId: 'exact' },
    });
    expect(Math.abs(Date.parse(exact.receivedAt) - Date.now())).toBeLessThan(60_000);
    expect(legacy).toMatchObject({ userAccount: 'jay', reason: 'UNKNOWN', reasonCode: 12, loginAt: null, sessionDurationMs: null, userUpdateSeq: null });
  });
});
