import { cpuSeconds } from '../lib/process-cpu.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { figure, percentile, type BenchContext, type SectionResult } from '../lib/figures.js';
import { sendPresenceLoad, type PresenceLoad, type PresenceLoadOptions } from '../lib/presence-load.js';
import { openRooms, roomIds, serviceMetrics } from '../lib/presence-rooms.js';
import { createScratchDatabase } from '../lib/scratch-database.js';
import { startBareSubscriptionServer, startBenchService, type BenchService } from '../lib/service.js';
import { openSubscriberFleet, type SubscriberFleet } from '../lib/subscriber-fleet.js';
import type { Delivery } from '../lib/subscriber-protocol.js';

const APP_ID = '1';
const PER_ROOM = 10;
// Time the clients get after the last callback's answer before what has not arrived counts as lost.
const GRACE_MS = 5_000;

interface FanoutRun {
  callbacks: number;
  achievedPerSecond: number;
  maxScheduleLagMs: number;
  expected: number;
  delivered: number;
  lost: number;
  duplicates: number;
  unexpected: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Callback sent → its answer received: the commit, before any fan-out; a delivery cannot be earlier. */
  answerP50Ms: number;
  answerP99Ms: number;
  /** The service's CPU time over the load's wall time, in cores: near 1, its one event loop is saturated. */
  serviceCores: number;
  /**
   * Full (mark-compact) collections of the server's heap during the load, and their time, from its
   * /metrics; null for a server without them (the floor). With 10,000 subscriptions the heap is
   * some 200 MB, and one such collection holds up callbacks and deliveries for hundreds of ms.
   */
  majorGcs: { count: number; seconds: number } | null;
}

/**
 * Fan-out latency: subscribers of roomPresence, one WebSocket each and PER_ROOM per room, while
 * signed callbacks arrive at a steady rate; for every (subscriber, change) pair the time from the
 * callback being sent to the change being received, and every change that never arrived. Then the
 * same fleet and load against the bare graphql-ws server: the floor, what the deliveries alone cost.
 */
export async function fanout(context: BenchContext): Promise<SectionResult> {
  // Two steady rates: a moderate one, which the target is about, and a stress one that shows
  // where one service process saturates (10 subscribers per room: each callback is 10 deliveries).
  const size = context.smoke
    ? { rooms: 10, workers: 1, rates: [25], seconds: 2 }
    : { rooms: 1_000, workers: 4, rates: [50, 200], seconds: 20 };
  const rooms = roomIds(size.rooms);
  const scratch = await createScratchDatabase(context.serverUrl, 'fanout');
  let service: BenchService | undefined;
  let byRate: RateRuns[];
  let serviceRssBytes: number;
  try {
    service = await startBenchService(scratch.url);
    await openRooms(service.url, APP_ID, rooms);
    ({ byRate, rssBytes: serviceRssBytes } = await runRates(context, service, size, rooms, 'service'));
  } finally {
    await service?.stop();
    await scratch.drop();
  }
  // The floor, the same fleet and load after the service has gone: the same deliveries from
  // graphql-ws and graphql-js with nothing stored, checked or committed first.
  const floorServer = await startBareSubscriptionServer({ fanout: true });
  let floorByRate: RateRuns[];
  try {
    ({ byRate: floorByRate } = await runRates(context, floorServer, size, rooms, 'floor'));
  } finally {
    await floorServer.stop();
  }

  const shape =
    `${(size.rooms * PER_ROOM).toLocaleString('en-US')} subscribers, ${PER_ROOM} per room × ${size.rooms.toLocaleString('en-US')} rooms, ` +
    `one WebSocket each, ${size.workers} client processes; login/logout callbacks for ${size.seconds} s per run, ` +
    `round-robin over the rooms; the same service and subscribers for every run${context.smoke ? '' : ', after a 3 s warm-up'}`;
  const cores = (runs: FanoutRun[]) => runs.map((r) => `${(r.serviceCores * 100).toFixed(0)}%`).join(' / ');
  return {
    section: 'fanout',
    figures: byRate.flatMap(({ perSecond, runs }, i) => {
      const at = `at ${perSecond} callbacks/s (${perSecond * PER_ROOM} deliveries/s)`;
      const delivered = runs.map((r) => r.delivered).join(' / ');
      const floor = floorByRate[i]!.runs;
      return [
        figure(`callback sent → event received ${at}, p50`, 'ms', runs.map((r) => r.p50Ms), undefined, i === 0 ? shape : undefined),
        figure(`callback sent → event received ${at}, p99`, 'ms', runs.map((r) => r.p99Ms), { kind: 'atMost', value: 50, against: 'target' },
          `over every (subscriber, change) pair: ${delivered} per run; send and receive stamped with performance.timeOrigin + now() in different processes; ` +
            `service CPU during the load ${cores(runs)} of one core (Node runs it on one event loop: near 100% it is saturated and latency is queueing); ` +
            `full (mark-compact) GCs of the service's heap during the load, with their final pauses: ${runs.map(majorGcsText).join(' / ')}`),
        figure(`callback sent → event received ${at}, max`, 'ms', runs.map((r) => r.maxMs)),
        figure(`callback sent → answered (committed) ${at}, p50`, 'ms', runs.map((r) => r.answerP50Ms)),
        figure(`callback sent → answered (committed) ${at}, p99`, 'ms', runs.map((r) => r.answerP99Ms), undefined,
          'the same callbacks, timed to their 200 answer: the commit, which every delivery of the change waits for'),
        figure(`events lost ${at}`, 'lost', runs.map((r) => r.lost), { kind: 'atMost', value: 0, against: 'target' },
          `expected = changes applied × ${PER_ROOM} subscribers of the room; counted ${GRACE_MS / 1000} s after the last answer at the latest`),
        figure(`events duplicated or unexpected ${at}`, 'lost', runs.map((r) => r.duplicates + r.unexpected), { kind: 'atMost', value: 0, against: 'target' }),
        figure(`callbacks sent, aiming at ${perSecond}/s`, 'callbacks/s', runs.map((r) => r.achievedPerSecond), undefined,
          `open loop on a fixed schedule; worst send lag behind schedule ${Math.max(...runs.map((r) => r.maxScheduleLagMs)).toFixed(1)} ms`),
        figure(`the floor, bare graphql-ws + graphql-js: callback sent → event received ${at}, p99`, 'ms', floor.map((r) => r.p99Ms), { kind: 'atMost', value: 50, against: 'target' },
          `the same fleet and load against bench/lib/bare-subscription-server.ts (FANOUT=1): each callback's change handed straight to the room's subscribers, nothing stored, checked or committed; ` +
            `p50 ${floor.map((r) => r.p50Ms.toFixed(1)).join(' / ')} ms, max ${floor.map((r) => r.maxMs.toFixed(0)).join(' / ')} ms, ` +
            `lost ${floor.map((r) => r.lost).join(' / ')}; its CPU ${cores(floor)} of one core`),
      ];
    }),
    raw: { byRate, floorByRate, serviceRssBytes },
  };
}

interface RateRuns {
  perSecond: number;
  runs: FanoutRun[];
}

/** The fleet opened against `server`, then every rate's runs, and the server's RSS with the fleet still connected; the fleet is closed after. */
async function runRates(
  context: BenchContext,
  server: BenchService,
  size: { rooms: number; workers: number; rates: number[]; seconds: number },
  rooms: readonly string[],
  label: string,
): Promise<{ byRate: RateRuns[]; rssBytes: number }> {
  const opening = performance.now();
  const fleet = await openSubscriberFleet({ url: server.url, appId: APP_ID, rooms, perRoom: PER_ROOM, workers: size.workers });
  try {
    context.log(`fanout (${label}): ${fleet.size} subscribers have their snapshots after ${((performance.now() - opening) / 1000).toFixed(1)} s`);
    if (!context.smoke) {
      // The first changes of a room compile code paths and fill caches; they are not what is measured.
      await measure(server, fleet, { rooms, perSecond: size.rates[0]!, seconds: 3, label: `${label}-warm` });
    }
    const byRate: RateRuns[] = [];
    for (const perSecond of size.rates) {
      const runs: FanoutRun[] = [];
      for (let run = 0; run < context.runs; run += 1) {
        const result = await measure(server, fleet, { rooms, perSecond, seconds: size.seconds, label: `${label}-r${perSecond}run${run + 1}` });
        if (result.delivered === 0) throw new Error(`fanout (${label}): no subscriber received any change`);
        runs.push(result);
        context.log(
          `fanout (${label}) ${perSecond}/s run ${run + 1}: p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, max ${result.maxMs.toFixed(1)} ms (answered p50 ${result.answerP50Ms.toFixed(1)}, p99 ${result.answerP99Ms.toFixed(1)} ms); ` +
            `${result.delivered}/${result.expected} delivered, ${result.lost} lost, ${result.duplicates + result.unexpected} extra; ` +
            `${result.achievedPerSecond.toFixed(0)} callbacks/s; CPU ${(result.serviceCores * 100).toFixed(0)}% of a core; ` +
            `full GCs ${majorGcsText(result)}`,
        );
      }
      byRate.push({ perSecond, runs });
    }
    return { byRate, rssBytes: await server.rssBytes() };
  } finally {
    await fleet.stop();
  }
}

async function measure(service: BenchService, fleet: SubscriberFleet, load: Omit<PresenceLoadOptions, 'appId'>): Promise<FanoutRun> {
  const before = (await fleet.count()).received;
  const cpuBefore = await cpuSeconds(service.pid);
  const gcBefore = await majorGcTotals(service);
  const started = performance.now();
  const sent = await sendPresenceLoad(service.url, { ...load, appId: APP_ID });
  const serviceCores = ((await cpuSeconds(service.pid)) - cpuBefore) / ((performance.now() - started) / 1000);
  const gcAfter = await majorGcTotals(service);
  const majorGcs = gcBefore && gcAfter ? { count: gcAfter.count - gcBefore.count, seconds: gcAfter.seconds - gcBefore.seconds } : null;
  const expected = sent.sentAt.size * PER_ROOM;
  const deadline = performance.now() + GRACE_MS;
  for (;;) {
    const { received, problems } = await fleet.count();
    if (problems.length > 0) throw new Error(`fanout: subscribers failed:\n${problems.join('\n')}`);
    if (received - before >= expected) break;
    if (performance.now() > deadline) break;
    await sleep(100);
  }
  // A duplicate would come right behind the original.
  await sleep(300);
  return { ...analyse(sent, await fleet.drain(), fleet.roomOf), serviceCores, majorGcs };
}

/** A run's full GCs as the table and the log show them: count and time, or ? for a server without metrics. */
const majorGcsText = ({ majorGcs }: Pick<FanoutRun, 'majorGcs'>) =>
  majorGcs === null ? '?' : `${majorGcs.count} (${(majorGcs.seconds * 1000).toFixed(0)} ms)`;

/** The server's mark-compact collections so far (prom-client's GC histogram), or null for a server without Prometheus metrics (the floor). */
async function majorGcTotals(server: BenchService): Promise<{ count: number; seconds: number } | null> {
  const metric = await serviceMetrics(server.url);
  if (Number.isNaN(metric('process_cpu_user_seconds_total'))) return null;
  // Until the first full collection its series is absent: none so far.
  const orNone = (value: number) => (Number.isNaN(value) ? 0 : value);
  return {
    count: orNone(metric('nodejs_gc_duration_seconds_count{kind="major"}')),
    seconds: orNone(metric('nodejs_gc_duration_seconds_sum{kind="major"}')),
  };
}

function analyse(load: PresenceLoad, deliveries: Delivery[], roomOf: readonly string[]): Omit<FanoutRun, 'serviceCores' | 'majorGcs'> {
  const seen = new Set<string>();
  const latencies: number[] = [];
  let duplicates = 0;
  let unexpected = 0;
  for (const [subscriber, key, at] of deliveries) {
    const sentAt = load.sentAt.get(key);
    if (sentAt === undefined || !key.startsWith(`${roomOf[subscriber]}|`)) {
      unexpected += 1;
      continue;
    }
    const pair = `${subscriber}|${key}`;
    if (seen.has(pair)) {
      duplicates += 1;
      continue;
    }
    seen.add(pair);
    latencies.push(at - sentAt);
  }
  const answers = [...load.answeredAt].map(([key, at]) => at - load.sentAt.get(key)!);
  const perRoom = roomOf.length / new Set(roomOf).size;
  const expected = load.sentAt.size * perRoom;
  return {
    callbacks: load.callbacks,
    achievedPerSecond: load.achievedPerSecond,
    maxScheduleLagMs: load.maxScheduleLagMs,
    expected,
    delivered: latencies.length,
    lost: expected - latencies.length,
    duplicates,
    unexpected,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.length === 0 ? Number.NaN : latencies.reduce((a, b) => Math.max(a, b)),
    answerP50Ms: percentile(answers, 50),
    answerP99Ms: percentile(answers, 99),
  };
}
