import { capturePgbenchScripts } from '../lib/callback-sql.js';
import { loadCallbacks, type CallbackLoadResult } from '../lib/callback-load.js';
import { figure, median, type BenchContext, type SectionResult } from '../lib/figures.js';
import { runPgbench, type PgbenchResult } from '../lib/pgbench.js';
import { openRooms } from '../lib/presence-rooms.js';
import { cpuSeconds, totalCpuSeconds } from '../lib/process-cpu.js';
import { createScratchDatabase, type ScratchDatabase } from '../lib/scratch-database.js';
import { startBenchService } from '../lib/service.js';

const CONCURRENCY = 32;
const ROOMS = 1_000;
// The issue's figure for a naive 4-statement transaction per event under pgbench at c=32 here; the
// same transaction is also measured in each run (PgbenchScripts.loginNaive), since the machine's
// speed drifts between days.
const ISSUE_NAIVE_TPS = 2_000;

/**
 * Ingest throughput against its limit: the service takes signed login/logout callbacks over HTTP
 * at concurrency 32; pgbench runs the very statements the service sends for one callback, one
 * transaction per callback, at the same concurrency on the same database. The two alternate
 * within the run so that drift of the machine or the growing tables falls on both.
 */
export async function ingest(context: BenchContext): Promise<SectionResult> {
  const seconds = context.smoke ? 1 : 15;
  const rooms = context.smoke ? 20 : ROOMS;
  const scratch = await createScratchDatabase(context.serverUrl, 'ingest');
  const service = await startBenchService(scratch.url).catch(async (error: unknown) => {
    await scratch.drop();
    throw error;
  });
  try {
    // pgbench picks rooms "1".."rooms" by number; each must exist with a current lifecycle.
    await openRooms(service.url, '1', Array.from({ length: rooms }, (_, i) => String(i + 1)));
    const scripts = await capturePgbenchScripts(context.serverUrl, rooms);
    context.log(`ingest: ${scripts.statements} statements per callback; warming up`);
    await loadCallbacks(service.url, { connections: CONCURRENCY, seconds: context.smoke ? 1 : 3, rooms });
    await runPgbench(scratch.url, scripts, { clients: CONCURRENCY, seconds: context.smoke ? 1 : 3 });

    const http: CallbackLoadResult[] = [];
    const pgbench: PgbenchResult[] = [];
    const notify: PgbenchResult[] = [];
    const naive: PgbenchResult[] = [];
    const cpu: { serviceMs: number; databaseMs: number }[] = [];
    for (let run = 0; run < context.runs; run += 1) {
      const before = await countEvents(scratch);
      const backends = await serviceBackends(scratch);
      const cpuBefore = { service: await cpuSeconds(service.pid), database: await totalCpuSeconds(backends) };
      const load = await loadCallbacks(service.url, { connections: CONCURRENCY, seconds, rooms });
      cpu.push({
        serviceMs: ((await cpuSeconds(service.pid)) - cpuBefore.service) * 1000 / load.applied,
        databaseMs: ((await totalCpuSeconds(backends)) - cpuBefore.database) * 1000 / load.applied,
      });
      const stored = (await countEvents(scratch)) - before;
      if (load.refused > 0) throw new Error(`ingest: ${load.refused} callbacks were not answered 200 applied`);
      // Every "applied" must be committed; a few more may be, answered after the load stopped listening.
      if (stored < load.applied || stored > load.applied + CONCURRENCY) {
        throw new Error(`ingest: ${load.applied} callbacks answered applied but ${stored} events stored`);
      }
      http.push(load);
      pgbench.push(await runPgbench(scratch.url, scripts, { clients: CONCURRENCY, seconds }));
      notify.push(await runPgbench(scratch.url, scripts, { clients: CONCURRENCY, seconds, variant: 'notify' }));
      naive.push(await runPgbench(scratch.url, scripts, { clients: CONCURRENCY, seconds, variant: 'naive' }));
      context.log(
        `ingest run ${run + 1}: service ${load.perSecond.toFixed(0)}/s, pgbench ${pgbench.at(-1)!.tps.toFixed(0)} tps, with pg_notify ${notify.at(-1)!.tps.toFixed(0)} tps, naive ${naive.at(-1)!.tps.toFixed(0)} tps`,
      );
    }

    const limit = median(pgbench.map((p) => p.tps));
    const sql = `${scripts.statements} statements + BEGIN/COMMIT per callback, c=${CONCURRENCY}, ${seconds} s per run`;
    return {
      section: 'ingest',
      figures: [
        figure('pgbench, the same SQL per callback (the limit)', 'tx/s', pgbench.map((p) => p.tps), undefined, sql),
        figure('pgbench, a naive 4-statement transaction per callback', 'tx/s', naive.map((p) => p.tps), undefined,
          `the same four rows written with no reads, locks or lifecycle: UPDATE rooms ... RETURNING, then the event, member and presence change inserts; the issue measured about ${ISSUE_NAIVE_TPS.toLocaleString('en-US')}/s on this machine`),
        figure('callbacks over HTTP, login/logout, c=32', 'callbacks/s', http.map((h) => h.perSecond),
          { kind: 'atLeast', value: median(naive.map((p) => p.tps)), against: 'the naive 4-statement transaction under pgbench, same run' },
          `keep-alive HTTP, signed JSON bodies, ${rooms} rooms; each answer checked "applied" and counted in the database; against the issue's ${ISSUE_NAIVE_TPS.toLocaleString('en-US')}/s: ${(median(http.map((h) => h.perSecond)) / ISSUE_NAIVE_TPS).toFixed(2)}`),
        figure('ratio to pgbench', '×', http.map((h, i) => h.perSecond / pgbench[i]!.tps),
          { kind: 'atLeast', value: 0.6, against: 'target: 60% of pgbench in the same run' },
          `pgbench median ${limit.toFixed(0)} tx/s; per-run ratios, service run then pgbench run`),
        figure('callback latency p50', 'ms', http.map((h) => h.latencyP50Ms)),
        figure('callback latency p99', 'ms', http.map((h) => h.latencyP99Ms)),
        figure('CPU per callback: the service process', 'ms', cpu.map((c) => c.serviceMs), undefined,
          'user + system time of the service over the run ÷ callbacks applied: what one core of the two pays per callback'),
        figure('CPU per callback: its PostgreSQL backends', 'ms', cpu.map((c) => c.databaseMs)),
        figure('pgbench, the same SQL + pg_notify in the transaction', 'tx/s', notify.map((p) => p.tps), undefined,
          'why change notices go over Redis after commit, not NOTIFY inside the write (README, Several instances)'),
      ],
      raw: { http, pgbench, notify, naive, cpu, pgbenchScripts: { login: scripts.login, logout: scripts.logout, loginNaive: scripts.loginNaive, logoutNaive: scripts.logoutNaive } },
    };
  } finally {
    await service.stop();
    await scratch.drop();
  }
}

/** The service's connections to its database, whose CPU time is the write path's share of PostgreSQL. */
async function serviceBackends(scratch: ScratchDatabase): Promise<number[]> {
  const rows = await scratch.admin<{ pid: number }[]>`
    select pid from pg_stat_activity where datname = ${scratch.name} and application_name like 'zego-presence:%'`;
  return rows.map((r) => r.pid);
}

async function countEvents(scratch: ScratchDatabase): Promise<number> {
  const [row] = await scratch.admin<{ n: number }[]>`select count(*)::int as n from room_events`;
  return row!.n;
}
