/**
 * History queries at a million logouts: latency of logoutEvents pages and of logoutStats per
 * grouping over real HTTP, and the throughput of a history page beside PostGraphile 5 serving the
 * same tables.
 */
import autocannon from 'autocannon';
import { openDatabase } from '../../src/db/client.js';
import { aggregateLogouts, type LogoutGrouping } from '../../src/db/logout-stats.js';
import { encodeCursor } from '../../src/graphql/pagination.js';
import { KNOWN_REASON_CODES, KNOWN_ROLE_CODES } from '../../src/presence/codes.js';
import { postJson } from '../lib/json-post.js';
import { figure, median, percentile, type BenchContext, type Figure, type SectionResult } from '../lib/figures.js';
import { migrateHistoryDatabase, seedLogoutHistory, type SeededHistory } from '../lib/history-seed.js';
import { startPostGraphile, type PostGraphilePeer } from '../lib/postgraphile-peer.js';
import { createScratchDatabase, type ScratchDatabase } from '../lib/scratch-database.js';
import { startBenchService, type BenchService } from '../lib/service.js';

const PAGE = 50;
const GROUPINGS = ['REASON', 'ROLE', 'ROOM', 'USER', 'HOUR', 'DAY'] as const;
type Grouping = (typeof GROUPINGS)[number];

const STORAGE_GROUPINGS: Record<Grouping, LogoutGrouping> = {
  REASON: { by: 'reason', knownCodes: KNOWN_REASON_CODES },
  ROLE: { by: 'role', knownCodes: KNOWN_ROLE_CODES },
  ROOM: { by: 'room' },
  USER: { by: 'user' },
  HOUR: { by: 'hour' },
  DAY: { by: 'day' },
};

interface Sizes {
  logouts: number;
  warmup: number;
  pageRequests: number;
  statsRequests: number;
  connections: number;
  loadSeconds: number;
}

const FULL: Sizes = { logouts: 1_000_000, warmup: 20, pageRequests: 300, statsRequests: 10, connections: 16, loadSeconds: 10 };
const SMOKE: Sizes = { logouts: 20_000, warmup: 2, pageRequests: 5, statsRequests: 2, connections: 4, loadSeconds: 1 };

const LOGOUT_FIELDS = `id userAccount nickname roomId sessionId role reason logoutAt loginAt sessionDurationMs room { roomId isOpen }`;

const pageQuery = `query Page($filter: LogoutEventFilter, $after: String) {
  logoutEvents(filter: $filter, first: ${PAGE}, after: $after) {
    edges { cursor node { ${LOGOUT_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const statsQuery = `query Stats($filter: LogoutEventFilter, $groupBy: LogoutStatsGroupBy!) {
  logoutStats(filter: $filter, groupBy: $groupBy) { key count avgSessionMs p50SessionMs p95SessionMs }
}`;

// The throughput comparison asks both servers for the same rows and columns. PostGraphile has no
// relation from room_events to rooms (there is no foreign key), so neither side resolves `room`.
const ourHistoryPage = `{
  logoutEvents(filter: { appId: "1" }, first: ${PAGE}) {
    edges { cursor node { id userAccount nickname roomId sessionId reasonCode roleCode logoutAt loginAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const peerHistoryPage = `{
  allRoomEvents(condition: { appId: "1", event: room_logout }, orderBy: [LOGOUT_AT_DESC, ROW_ID_DESC], first: ${PAGE}) {
    edges { cursor node { id userAccount nickname roomId sessionId logoutReason roleCode logoutAt loginAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;

type Variables = Record<string, unknown>;

async function graphql(url: string, query: string, variables: Variables = {}): Promise<Record<string, unknown>> {
  const response = await postJson(url, { query, variables });
  const body = response.body as { data?: Record<string, unknown>; errors?: unknown };
  if (response.status !== 200 || body.errors || !body.data) {
    throw new Error(`GraphQL answered ${response.status}: ${JSON.stringify(body).slice(0, 500)}`);
  }
  return body.data;
}

function edgesOf(data: Record<string, unknown>, field: string): unknown[] {
  return (data[field] as { edges: unknown[] }).edges;
}

/** A page request and a check that it is a full page: timing an empty answer would measure nothing. */
function pageRequest(url: string, variables: Variables, query = pageQuery, field = 'logoutEvents') {
  return async () => {
    const edges = edgesOf(await graphql(url, query, variables), field);
    if (edges.length !== PAGE) throw new Error(`${field} ${JSON.stringify(variables)} at ${url} returned ${edges.length} edges, not ${PAGE}`);
  };
}

function statsRequest(url: string, groupBy: string, appId: string) {
  return async () => {
    const buckets = (await graphql(url, statsQuery, { filter: { appId }, groupBy })).logoutStats as unknown[];
    if (buckets.length === 0) throw new Error(`logoutStats by ${groupBy} returned no buckets`);
  };
}

/** Sequential requests after a warm-up; p50 and p99 of their latencies in ms. */
async function latencies(request: () => Promise<void>, warmup: number, count: number): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < warmup; i++) await request();
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await request();
    samples.push(performance.now() - started);
  }
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

const round = (ms: number) => Math.round(ms * 10) / 10;

async function pageLatencies(context: BenchContext, sizes: Sizes, url: string, seed: SeededHistory): Promise<Figure[]> {
  const app = { appId: seed.appId };
  const cases: [string, Variables][] = [
    ['newest', { filter: app }],
    ['deep, after a cursor', { filter: app, after: encodeCursor('logouts', [seed.middle.logoutAt.getTime(), seed.middle.id]) }],
    ['by room', { filter: { ...app, roomId: seed.roomId } }],
    ['by user', { filter: { ...app, userAccount: seed.userAccount } }],
    ['by reason', { filter: { ...app, reasons: ['KICKED_OUT'] } }],
    ['a day', { filter: { ...app, from: seed.window.from.toISOString(), to: seed.window.to.toISOString() } }],
  ];
  const figures: Figure[] = [];
  for (const [label, variables] of cases) {
    const p99s: number[] = [];
    const p50s: number[] = [];
    for (let run = 0; run < context.runs; run++) {
      const { p50, p99 } = await latencies(pageRequest(url, variables), sizes.warmup, sizes.pageRequests);
      p50s.push(round(p50));
      p99s.push(round(p99));
    }
    context.log(`logoutEvents ${label}: p50 ${p50s.join('/')} ms, p99 ${p99s.join('/')} ms`);
    figures.push(
      figure(`logoutEvents page, ${label}: p99`, 'ms', p99s, { kind: 'atMost', value: 10, against: 'target' }, `p50 ${median(p50s)} ms; ${sizes.pageRequests} sequential requests of ${PAGE} logouts with room`),
    );
  }
  return figures;
}

async function statsLatencies(context: BenchContext, sizes: Sizes, url: string, seed: SeededHistory, plans: StatsPlans): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const groupBy of GROUPINGS) {
    const p99s: number[] = [];
    const p50s: number[] = [];
    for (let run = 0; run < context.runs; run++) {
      const { p50, p99 } = await latencies(statsRequest(url, groupBy, seed.appId), Math.min(sizes.warmup, 2), sizes.statsRequests);
      p50s.push(round(p50));
      p99s.push(round(p99));
    }
    context.log(`logoutStats ${groupBy}: p50 ${p50s.join('/')} ms, p99 ${p99s.join('/')} ms`);
    figures.push(
      figure(`logoutStats by ${groupBy}, whole app: p99`, 'ms', p99s, { kind: 'atMost', value: 300, against: 'target' }, `p50 ${median(p50s)} ms; ${sizes.statsRequests} sequential requests over ${Math.round(seed.logouts * 0.9).toLocaleString('en')} logouts; ${plans.byGrouping.get(groupBy)}; the floor, one percentile of the whole app with no grouping: ${plans.floor}`),
    );
  }
  return figures;
}

interface PlanNode {
  'Node Type': string;
  'Actual Total Time': number;
  'Actual Loops': number;
  'Index Name'?: string;
  'Sort Method'?: string;
  Plans?: PlanNode[];
}

/**
 * Where the time of a plan goes: each node's own time (its total less its children's), in plan
 * order. Nodes of under a millisecond are left out: a recursive plan has dozens, and a CTE's
 * scans share their time with the CTE, which makes some nodes' own time come out below zero.
 */
function planTimes(node: PlanNode, into: string[] = []): string[] {
  const total = (n: PlanNode) => n['Actual Total Time'] * n['Actual Loops'];
  const own = total(node) - (node.Plans ?? []).reduce((sum, child) => sum + total(child), 0);
  const detail = node['Index Name'] ?? node['Sort Method'];
  if (own >= 1) into.push(`${node['Node Type']}${detail ? ` (${detail})` : ''} ${Math.round(own)} ms`);
  for (const child of node.Plans ?? []) planTimes(child, into);
  return into;
}

// The least any grouping can cost: the same logouts read through the same index, and one exact
// percentile of their durations, with no grouping at all.
const statsFloorSql = `select percentile_cont(0.5) within group (order by session_ms)
  from room_events where app_id = $1 and event = 'room_logout'`;

interface StatsPlans {
  byGrouping: Map<Grouping, string>;
  floor: string;
}

/**
 * EXPLAIN ANALYZE of the SQL each whole-app grouping issues, as the service's storage code writes
 * it, and of the floor query under the same settings: what bounds a stats figure, stated beside it.
 */
async function statsPlans(scratch: ScratchDatabase, seed: SeededHistory): Promise<StatsPlans> {
  const statements: { sql: string; params: unknown[] }[] = [];
  const handle = await openDatabase({ kind: 'postgres', url: scratch.url }, { max: 1, onQuery: (sql, params) => statements.push({ sql, params }) });
  const explain = async (settings: string[], sql: string, params: unknown[]) => {
    const [row] = await scratch.admin.begin(async (tx) => {
      for (const setting of settings) await tx.unsafe(setting);
      return tx.unsafe(`explain (analyze, format json) ${sql}`, params as never[]);
    });
    const [{ Plan: plan, 'Execution Time': ms }] = row!['QUERY PLAN'] as [{ Plan: PlanNode; 'Execution Time': number }];
    return `EXPLAIN ANALYZE ${Math.round(ms)} ms: ${planTimes(plan).join(', ')}`;
  };
  const byGrouping = new Map<Grouping, string>();
  let settings: string[] = [];
  try {
    for (const grouping of GROUPINGS) {
      statements.length = 0;
      await aggregateLogouts(handle.db, { appId: seed.appId }, STORAGE_GROUPINGS[grouping]);
      // The query runs with the settings the service gives it in its transaction (work_mem).
      settings = statements.filter((s) => /^set /i.test(s.sql)).map((s) => s.sql);
      const { sql, params } = statements.find((s) => /^\s*(select|with)\b/i.test(s.sql))!;
      byGrouping.set(grouping, await explain(settings, sql, params));
    }
    return { byGrouping, floor: await explain(settings, statsFloorSql, [seed.appId]) };
  } finally {
    await handle.close();
  }
}

/** Requests per second under `connections` concurrent clients; any failed request fails the bench. */
async function throughput(url: string, query: string, sizes: Sizes, seconds: number): Promise<number> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
    connections: sizes.connections,
    duration: seconds,
  });
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) throw new Error(`${url}: ${failed} of ${result.requests.total} requests failed (non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})`);
  return Math.round(result.requests.total / result.duration);
}

async function throughputFigure(context: BenchContext, sizes: Sizes, ours: string, peer: string): Promise<{ figure: Figure; raw: unknown }> {
  const ourPage = edgesOf(await graphql(ours, ourHistoryPage), 'logoutEvents');
  const peerPage = edgesOf(await graphql(peer, peerHistoryPage), 'allRoomEvents');
  if (ourPage.length !== PAGE || peerPage.length !== PAGE) {
    throw new Error(`history pages are not full: ours ${ourPage.length}, PostGraphile ${peerPage.length}`);
  }
  const sameRows = JSON.stringify(ourPage.map((edge) => (edge as { node: { sessionId: string } }).node.sessionId)) ===
    JSON.stringify(peerPage.map((edge) => (edge as { node: { sessionId: string } }).node.sessionId));
  if (!sameRows) throw new Error('the service and PostGraphile return different history pages');
  // JIT compilation and pools warm up before anything is counted.
  await throughput(ours, ourHistoryPage, sizes, 1);
  await throughput(peer, peerHistoryPage, sizes, 1);
  const ourRuns: number[] = [];
  const peerRuns: number[] = [];
  // Alternating, so that a neighbour's load on the machine falls on both sides alike.
  for (let run = 0; run < context.runs; run++) {
    ourRuns.push(await throughput(ours, ourHistoryPage, sizes, sizes.loadSeconds));
    peerRuns.push(await throughput(peer, peerHistoryPage, sizes, sizes.loadSeconds));
    context.log(`history page throughput: ours ${ourRuns.at(-1)} req/s, PostGraphile ${peerRuns.at(-1)} req/s`);
  }
  const note = `${sizes.connections} connections, ${sizes.loadSeconds} s per run, same rows and columns; PostGraphile given an index matching its ORDER BY; PostGraphile runs ${peerRuns.join(', ')} req/s; ratio ${(median(ourRuns) / median(peerRuns)).toFixed(2)}`;
  return {
    figure: figure('history page throughput', 'req/s', ourRuns, { kind: 'atLeast', value: median(peerRuns), against: 'PostGraphile 5 (amber), same query' }, note),
    raw: { ours: ourRuns, postgraphile: peerRuns },
  };
}

/**
 * The same page one request at a time from both servers, alternating: what a mature GraphQL server
 * over the same rows pays per page on this machine, in the same run. It tells whether a page's
 * latency is the service's own cost or the machine's (the page target is an absolute figure, and
 * these machines run at different speeds from one hour to the next).
 */
async function peerLatencyFigures(context: BenchContext, sizes: Sizes, ours: string, peer: string): Promise<{ figures: Figure[]; raw: unknown }> {
  const ourRuns: { p50: number; p99: number }[] = [];
  const peerRuns: { p50: number; p99: number }[] = [];
  for (let run = 0; run < context.runs; run++) {
    ourRuns.push(await latencies(pageRequest(ours, {}, ourHistoryPage), sizes.warmup, sizes.pageRequests));
    peerRuns.push(await latencies(pageRequest(peer, {}, peerHistoryPage, 'allRoomEvents'), sizes.warmup, sizes.pageRequests));
    context.log(`history page one at a time: ours p50 ${round(ourRuns.at(-1)!.p50)} p99 ${round(ourRuns.at(-1)!.p99)} ms, PostGraphile p50 ${round(peerRuns.at(-1)!.p50)} p99 ${round(peerRuns.at(-1)!.p99)} ms`);
  }
  const p99s = (runs: { p99: number }[]) => runs.map((r) => round(r.p99));
  const p50 = (runs: { p50: number }[]) => median(runs.map((r) => round(r.p50)));
  const shape = `${sizes.pageRequests} sequential requests of the throughput comparison's page (${PAGE} logouts, same rows and columns, no room), alternating between the two servers`;
  return {
    figures: [
      figure('history page, one at a time, PostGraphile 5: p99', 'ms', p99s(peerRuns), { kind: 'atMost', value: 10, against: 'target' }, `the peer alone against the page target; p50 ${p50(peerRuns)} ms; ${shape}`),
      figure(
        'history page, one at a time, the service: p99',
        'ms',
        p99s(ourRuns),
        { kind: 'atMost', value: median(p99s(peerRuns)), against: 'PostGraphile 5 (amber), same page, same run' },
        `p50 ${p50(ourRuns)} ms against PostGraphile's ${p50(peerRuns)} ms; PostGraphile's p99 per run ${p99s(peerRuns).join(' / ')} ms; ${shape}`,
      ),
    ],
    raw: { ours: ourRuns, postgraphile: peerRuns },
  };
}

export async function history(context: BenchContext): Promise<SectionResult> {
  const sizes = context.smoke ? SMOKE : FULL;
  const scratch = await createScratchDatabase(context.serverUrl, 'history');
  let service: BenchService | undefined;
  let peer: PostGraphilePeer | undefined;
  try {
    await migrateHistoryDatabase(scratch.url);
    const seededAt = performance.now();
    const seed = await seedLogoutHistory(scratch.admin, sizes.logouts);
    context.log(`seeded ${sizes.logouts} logouts in ${Math.round((performance.now() - seededAt) / 1000)} s`);
    service = await startBenchService(scratch.url);
    const graphqlUrl = `${service.url}/graphql`;
    const plans = await statsPlans(scratch, seed);
    for (const [grouping, plan] of plans.byGrouping) context.log(`logoutStats ${grouping}: ${plan}`);
    context.log(`logoutStats floor: ${plans.floor}`);
    const figures = [...(await pageLatencies(context, sizes, graphqlUrl, seed)), ...(await statsLatencies(context, sizes, graphqlUrl, seed, plans))];
    // PostGraphile's amber preset offers ordering and conditions only on columns that lead an
    // index; the smart tags give it the two the history page needs. Its LOGOUT_AT_DESC is
    // PostgreSQL's DESC (NULLS FIRST), which the service's NULLS LAST index cannot serve, and its
    // condition on `event` may be a parameter, which a partial index cannot serve: without an
    // index of its own it would sort the whole app per page, and the comparison would be unfair.
    // It is made only now: the latencies and plans above are the service's on its own indexes,
    // and in the throughput comparison both servers read the same database.
    await scratch.admin.unsafe(`
      comment on column room_events.logout_at is E'@behavior +orderBy';
      comment on column room_events.event is E'@behavior +filterBy';
      create index room_events_peer_history_idx on room_events (app_id, event, logout_at desc, id desc);
      analyze room_events;
    `);
    peer = await startPostGraphile(scratch.url);
    const running = peer;
    const load = await throughputFigure(context, sizes, graphqlUrl, peer.graphqlUrl).catch((error: unknown) => {
      throw new Error(`${String(error)}\nPostGraphile's log:\n${running.stderr()}`);
    });
    figures.push(load.figure);
    const oneAtATime = await peerLatencyFigures(context, sizes, graphqlUrl, peer.graphqlUrl);
    figures.push(...oneAtATime.figures);
    return { section: 'history', figures, raw: { logouts: sizes.logouts, throughput: load.raw, oneAtATime: oneAtATime.raw } };
  } finally {
    await peer?.stop();
    await service?.stop();
    await scratch.drop();
  }
}
