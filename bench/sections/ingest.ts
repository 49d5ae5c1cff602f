import { capturePgbenchScripts } from '../lib/callback-sql.js';
import { loadCallbacks, type CallbackLoadResult } from '../lib/callback-load.js';
import { figure, median, type BenchContext, type SectionResult } from '../lib/figures.js';
import { runPgbench, type PgbenchResult } from '../lib/pgbench.js';
import { openRooms } from '../lib/presence-rooms.js';
import { cpuSeconds } from '../lib/process-cpu.js';
import { createScratchDatabase, type ScratchDatabase } from '../lib/scratch-database.js';
import { BARE_INGEST_WRITES as FLOORS, bareIngestApplicationName, startBareIngestServer, startBenchService, type BareIngestWrites, type BenchService } from '../lib/service.js';

const CONCURRENCY = 32;
const ROOMS = 1_000;
// The issue's figure for a naive 4-statement transaction per event under pgbench at c=32 here; the
// same transaction is also measured in each run (PgbenchScripts.loginNaive), since the machine's
// speed drifts between days.
const ISSUE_NAIVE_TPS = 2_000;


/** A load over HTTP and what it cost: CPU per callback applied, of the server, its PostgreSQL backends and the load generator. */
interface MeasuredLoad {
  load: CallbackLoadResult;
  serverMs: number;
  databaseMs: number;
  loadGeneratorMs: number;
}

/**
 * Ingest throughput against its limit: the service takes signed login/logout callbacks over HTTP
 * at concurrency 32; pgbench runs the very statements the service sends for one callback, one
 * transaction per callback, at the same concurrency on the same database. The two alternate
 * within the run so that drift of the machine or the growing tables falls on both. Beside them,
 * the floor: the same load against a bare server that writes only the naive transaction's rows
 * (bare-ingest-server.ts), in each of the two ways the issue names.
 */
export async function ingest(context: BenchContext): Promise<SectionResult> {
  const seconds = context.smoke ? 1 : 15;
  const rooms = context.smoke ? 20 : ROOMS;
  const scratch = await createScratchDatabase(context.serverUrl, 'ingest');
  const service = await startBenchService(scratch.url).catch(async (error: unknown) => {
    await scratch.drop();
    throw error;
  });
  const floors = new Map<BareIngestWrites, BenchService>();
  try {
    // pgbench picks rooms "1".."rooms" by number; each must exist with a current lifecycle.
    await openRooms(service.url, '1', Array.from({ length: rooms }, (_, i) => String(i + 1)));
    const scripts = await capturePgbenchScripts(context.serverUrl, rooms);
    context.log(`ingest: ${scripts.statements} statements per callback; warming up`);
    await loadCallbacks(service.url, { connections: CONCURRENCY, seconds: context.smoke ? 1 : 3, rooms });
    await runPgbench(scratch.url, scripts, { clients: CONCURRENCY, seconds: context.smoke ? 1 : 3 });
    for (const writes of FLOORS) {
      const floor = await startBareIngestServer(scratch.url, writes);
      floors.set(writes, floor);
      await loadCallbacks(floor.url, { connections: CONCURRENCY, seconds: context.smoke ? 1 : 3, rooms });
    }

    const measure = (server: BenchService, applicationName: string) => measureLoad(scratch, server, applicationName, { seconds, rooms });
    const serviceRuns: MeasuredLoad[] = [];
    const floorRuns = new Map<BareIngestWrites, MeasuredLoad[]>(FLOORS.map((writes) => [writes, []]));
    const pgbench: PgbenchResult[] = [];
    const notify: PgbenchResult[] = [];
    const naive: PgbenchResult[] = [];
    for (let run = 0; run < context.runs; run += 1) {
      serviceRuns.push(await measure(service, 'zego-presence:%'));
      for (const writes of FLOORS) floorRuns.get(writes)!.push(await measure(floors.get(writes)!, bareIngestApplicationName(writes)));
      pgbench.push(await runPgbench(scratch.url, scripts, { clients: CONCURRENCY, seconds }));
      notify.push(await runPgbench(scratch.url, scripts, { clients: CONCURRENCY, seconds, variant: 'notify' }));
      naive.push(await runPgbench(scratch.url, scripts, { clients: CONCURRENCY, seconds, variant: 'naive' }));
      const perSecond = (runs: MeasuredLoad[]) => runs.at(-1)!.load.perSecond.toFixed(0);
      context.log(
        `ingest run ${run + 1}: service ${perSecond(serviceRuns)}/s, floor ${FLOORS.map((w) => `${w} ${perSecond(floorRuns.get(w)!)}/s`).join(', ')}; pgbench ${pgbench.at(-1)!.tps.toFixed(0)} tps, with pg_notify ${notify.at(-1)!.tps.toFixed(0)} tps, naive ${naive.at(-1)!.tps.toFixed(0)} tps`,
      );
    }

    const limit = median(pgbench.map((p) => p.tps));
    const naiveTarget = { kind: 'atLeast', value: median(naive.map((p) => p.tps)), against: 'the naive 4-statement transaction under pgbench, same run' } as const;
    const http = serviceRuns.map((m) => m.load);
    const sql = `${scripts.statements} statements + BEGIN/COMMIT per callback, c=${CONCURRENCY}, ${seconds} s per run`;
    const floorFigure = (writes: BareIngestWrites, how: string) => {
      const runs = floorRuns.get(writes)!;
      const cpu = (of: (m: MeasuredLoad) => number) => median(runs.map(of)).toFixed(2);
      return figure(`the floor, a bare server: ${how}`, 'callbacks/s', runs.map((m) => m.load.perSecond), naiveTarget,
        `the same load; signature checked, the naive transaction's four rows per callback, concurrent callbacks committed together (bench/lib/bare-ingest-server.ts); CPU per callback: server ${cpu((m) => m.serverMs)} ms, its backends ${cpu((m) => m.databaseMs)} ms, load generator ${cpu((m) => m.loadGeneratorMs)} ms; p99 ${median(runs.map((m) => m.load.latencyP99Ms))} ms`);
    };
    return {
      section: 'ingest',
      figures: [
        figure('pgbench, the same SQL per callback (the limit)', 'tx/s', pgbench.map((p) => p.tps), undefined, sql),
        figure('pgbench, a naive 4-statement transaction per callback', 'tx/s', naive.map((p) => p.tps), undefined,
          `the same four rows written with no reads, locks or lifecycle: UPDATE rooms ... RETURNING, then the event, member and presence change inserts; the issue measured about ${ISSUE_NAIVE_TPS.toLocaleString('en-US')}/s on this machine`),
        figure('callbacks over HTTP, login/logout, c=32', 'callbacks/s', http.map((h) => h.perSecond), naiveTarget,
          `keep-alive HTTP, signed JSON bodies, ${rooms} rooms; each answer checked "applied" and counted in the database; against the issue's ${ISSUE_NAIVE_TPS.toLocaleString('en-US')}/s: ${(median(http.map((h) => h.perSecond)) / ISSUE_NAIVE_TPS).toFixed(2)}`),
        figure('ratio to pgbench', '×', http.map((h, i) => h.perSecond / pgbench[i]!.tps),
          { kind: 'atLeast', value: 0.6, against: 'target: 60% of pgbench in the same run' },
          `pgbench median ${limit.toFixed(0)} tx/s; per-run ratios, service run then pgbench run`),
        figure('callback latency p50', 'ms', http.map((h) => h.latencyP50Ms)),
        figure('callback latency p99', 'ms', http.map((h) => h.latencyP99Ms)),
        figure('CPU per callback: the service process', 'ms', serviceRuns.map((m) => m.serverMs), undefined,
          'user + system time of the service over the run ÷ callbacks applied: what one core of the two pays per callback'),
        figure('CPU per callback: its PostgreSQL backends', 'ms', serviceRuns.map((m) => m.databaseMs)),
        figure('CPU per callback: the load generator', 'ms', serviceRuns.map((m) => m.loadGeneratorMs), undefined,
          'autocannon, signing every body, in the bench process: it shares the two cores with the service and PostgreSQL'),
        floorFigure('statements', "the naive statements, pipelined per callback"),
        floorFigure('set', 'one set-based statement per batch'),
        floorFigure('locked-set', "rooms locked, state read, one set-based write, in one transaction per batch (a receiver with its rules in the application, at its leanest)"),
        figure('pgbench, the same SQL + pg_notify in the transaction', 'tx/s', notify.map((p) => p.tps), undefined,
          'why change notices go over Redis after commit, not NOTIFY inside the write (README, Several instances)'),
      ],
      raw: {
        service: serviceRuns,
        floors: Object.fromEntries(floorRuns),
        pgbench,
        notify,
        naive,
        pgbenchScripts: { login: scripts.login, logout: scripts.logout, loginNaive: scripts.loginNaive, logoutNaive: scripts.logoutNaive },
      },
    };
  } finally {
    for (const floor of floors.values()) await floor.stop();
    await service.stop();
    await scratch.drop();
  }
}

/**
 * Runs the callback load against `server` and measures its CPU, its PostgreSQL backends' (the
 * connections named `applicationName`) and the load generator's, per callback applied. Fails
 * unless every answer was "applied" and each such callback was stored.
 */
async function measureLoad(
  scratch: ScratchDatabase,
  server: BenchService,
  applicationName: string,
  options: { seconds: number; rooms: number },
): Promise<MeasuredLoad> {
  const before = await settledEventCount(scratch);
  // The backends are listed again after the load: the service's pool closes connections idle for
  // a minute (longer than the floors' and pgbench's runs in between) and opens new ones under load.
  const backendsBefore = await backendCpuSeconds(scratch, applicationName);
  const cpuBefore = { server: await cpuSeconds(server.pid), loadGenerator: process.cpuUsage() };
  const load = await loadCallbacks(server.url, { connections: CONCURRENCY, ...options });
  const loadGenerator = process.cpuUsage(cpuBefore.loadGenerator);
  const serverMs = ((await cpuSeconds(server.pid)) - cpuBefore.server) * 1000 / load.applied;
  let databaseSeconds = 0;
  for (const [pid, seconds] of await backendCpuSeconds(scratch, applicationName)) databaseSeconds += seconds - (backendsBefore.get(pid) ?? 0);
  const databaseMs = databaseSeconds * 1000 / load.applied;
  const stored = (await settledEventCount(scratch)) - before;
  if (load.refused > 0) throw new Error(`ingest: ${load.refused} callbacks to ${applicationName} were not answered 200 applied`);
  // Every "applied" must be committed; a few more may be, answered after the load stopped listening.
  if (stored < load.applied || stored > load.applied + CONCURRENCY) {
    throw new Error(`ingest: ${load.applied} callbacks to ${applicationName} answered applied but ${stored} events stored`);
  }
  return { load, serverMs, databaseMs, loadGeneratorMs: (loadGenerator.user + loadGenerator.system) / 1000 / load.applied };
}

/**
 * CPU seconds of a server's connections to its database (by application name, a LIKE pattern),
 * by backend pid: the server's write path's share of PostgreSQL.
 */
async function backendCpuSeconds(scratch: ScratchDatabase, applicationName: string): Promise<Map<number, number>> {
  const rows = await scratch.admin<{ pid: number }[]>`
    select pid from pg_stat_activity where datname = ${scratch.name} and application_name like ${applicationName}`;
  return new Map(await Promise.all(rows.map(async ({ pid }) => [pid, await cpuSeconds(pid)] as const)));
}

/**
 * Events stored, once callbacks still in flight when a load stopped listening have landed: the
 * count once it holds still for 200 ms (a batch committed late would otherwise count in the next run).
 */
async function settledEventCount(scratch: ScratchDatabase): Promise<number> {
  const count = async () => (await scratch.admin<{ n: number }[]>`select count(*)::int as n from room_events`)[0]!.n;
  for (let last = -1, now = await count(); ; last = now, now = await count()) {
    if (now === last) return now;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
