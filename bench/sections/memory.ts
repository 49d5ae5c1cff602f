import { setTimeout as sleep } from 'node:timers/promises';
import { figure, median, type BenchContext, type SectionResult } from '../lib/figures.js';
import { sendPresenceLoad } from '../lib/presence-load.js';
import { openRooms, queryRooms, roomIds, serviceMetric } from '../lib/presence-rooms.js';
import { createScratchDatabase } from '../lib/scratch-database.js';
import { startBareSubscriptionServer, startBenchService, type BenchService } from '../lib/service.js';
import { openSubscriberFleet } from '../lib/subscriber-fleet.js';

const APP_ID = '1';
const PER_ROOM = 10;
const TARGET_BYTES = 20 * 1024;

interface MemoryRun {
  subscriptions: number;
  /** Settled: after `settleMs` of idling, by when V8 has compacted the heap the setting-up left. */
  rssIdleBytes: number;
  rssSubscribedBytes: number;
  /** The same, `earlyMs` after the warm-up and after the last SNAPSHOT, as the earlier runs in BENCHMARKS.md read them. */
  rssIdleEarlyBytes: number;
  rssSubscribedEarlyBytes: number;
  /** The service's own JS heap figure; the bare server has no /metrics. */
  heapUsedIdleBytes?: number;
  heapUsedSubscribedBytes?: number;
}

interface Sizes {
  rooms: number;
  workers: number;
  samples: number;
  earlyMs: number;
  settleMs: number;
}

/**
 * Memory per idle subscription: the service's RSS with no subscription and with many, none of
 * whose rooms change meanwhile, and the same for a bare graphql-ws server (the floor). Each run
 * starts a fresh server so that the baselines compare.
 */
export async function memory(context: BenchContext): Promise<SectionResult> {
  // Right after 10,000 sockets opened, RSS still holds the heap their setting-up grew into; an
  // idle Node process compacts it within about 50 s (V8's memory reducer; RSS traced each second
  // for 90 s after warm-up and after the fleet opened, service and floor: the last drop came at
  // 41–49 s, nothing moved after). Both states are read after 60 s of idling.
  const size: Sizes = context.smoke
    ? { rooms: 10, workers: 1, samples: 1, earlyMs: 100, settleMs: 300 }
    : { rooms: 1_000, workers: 4, samples: 5, earlyMs: 2_000, settleMs: 60_000 };
  const rooms = roomIds(size.rooms);
  const scratch = await createScratchDatabase(context.serverUrl, 'memory');
  let server: BenchService | undefined;
  try {
    const runs: MemoryRun[] = [];
    for (let run = 0; run < context.runs; run += 1) {
      server = await startBenchService(scratch.url);
      const service = server;
      if (run === 0) await openRooms(service.url, APP_ID, rooms);
      const warmRooms = roomIds(5, `warm${run}`);
      // Every code path an idle subscription uses runs once first, so that what is compiled and
      // cached then is not counted per subscription.
      await sendPresenceLoad(service.url, { rooms: warmRooms, appId: APP_ID, perSecond: 50, seconds: 0.4, label: `warm${run}` });
      await queryRooms(service.url, APP_ID);
      const r = await idleSubscriptionCost(service, rooms, warmRooms, size, () => serviceMetric(service.url, 'nodejs_heap_size_used_bytes'));
      runs.push(r);
      context.log(
        `memory run ${run + 1}: RSS ${mib(r.rssIdleBytes)} → ${mib(r.rssSubscribedBytes)} MiB with ${r.subscriptions} subscriptions, ` +
          `${(perSubscription(r) / 1024).toFixed(1)} KiB each (JS heap used ${mib(r.heapUsedIdleBytes!)} → ${mib(r.heapUsedSubscribedBytes!)} MiB; ` +
          `${size.earlyMs / 1000} s after: ${mib(r.rssIdleEarlyBytes)} → ${mib(r.rssSubscribedEarlyBytes)} MiB, ${(perSubscription(r, 'early') / 1024).toFixed(1)} KiB each)`,
      );
      await server.stop();
      server = undefined;
    }

    const floorRuns: MemoryRun[] = [];
    for (let run = 0; run < context.runs; run += 1) {
      server = await startBareSubscriptionServer();
      floorRuns.push(await idleSubscriptionCost(server, rooms, roomIds(5, `warm${run}`), size));
      const floor = floorRuns.at(-1)!;
      context.log(
        `memory floor run ${run + 1}: bare graphql-ws + graphql-js, ${(perSubscription(floor) / 1024).toFixed(1)} KiB per subscription ` +
          `(${size.earlyMs / 1000} s after: ${(perSubscription(floor, 'early') / 1024).toFixed(1)} KiB)`,
      );
      await server.stop();
      server = undefined;
    }
    const floors = floorRuns.map((r) => perSubscription(r));

    const count = runs[0]!.subscriptions.toLocaleString('en-US');
    const perRun = runs.map((r) => perSubscription(r));
    return {
      section: 'memory',
      figures: [
        figure('service RSS, no subscription', 'MiB', runs.map((r) => r.rssIdleBytes / 2 ** 20), undefined,
          `fresh service per run, warmed by ${size.rooms} room-opening callbacks (first run), a few login/logout callbacks, one rooms query and a few subscriptions opened and closed; median of ${size.samples} samples 1 s apart after ${size.settleMs / 1000} s idle`),
        figure(`service RSS, ${count} idle subscriptions`, 'MiB', runs.map((r) => r.rssSubscribedBytes / 2 ** 20), undefined,
          `${PER_ROOM} per room × ${size.rooms} rooms, each with its own WebSocket (the costlier, browser-tab case), measured ${size.settleMs / 1000} s after every SNAPSHOT arrived`),
        figure('memory per idle subscription', 'bytes', perRun, { kind: 'atMost', value: TARGET_BYTES, against: 'target: 20 KB = 20 × 1024 bytes' },
          `(RSS with − RSS without) / ${count}, both settled; includes the WebSocket and the GraphQL operation; JS heap used per subscription ${(median(runs.map((r) => (r.heapUsedSubscribedBytes! - r.heapUsedIdleBytes!) / r.subscriptions)) / 1024).toFixed(1)} KiB (median); ${(median(perRun) / median(floors)).toFixed(2)} × the floor below`),
        figure(`memory per idle subscription, ${size.earlyMs / 1000} s after opening`, 'bytes', runs.map((r) => perSubscription(r, 'early')), undefined,
          `the same difference read ${size.earlyMs / 1000} s after the warm-up and after the last SNAPSHOT, as the earlier runs in BENCHMARKS.md did: both states still hold heap their setting-up grew into, by amounts that vary from run to run`),
        figure('memory per idle subscription, the floor: bare graphql-ws + graphql-js', 'bytes', floors, undefined,
          `the same fleet against graphql-ws 6 over ws on Node's HTTP server with a graphql-js schema answering the same subscription with one SNAPSHOT, and nothing else (bench/lib/bare-subscription-server.ts); fresh process per run, settled the same way; ${size.earlyMs / 1000} s after opening: ${floorRuns.map((r) => Math.round(perSubscription(r, 'early')).toLocaleString('en-US')).join(' / ')} bytes`),
      ],
      raw: { runs, floorRuns },
    };
  } finally {
    await server?.stop();
    await scratch.drop();
  }
}

/**
 * A server's settled RSS before and after the whole fleet subscribes, none of whose rooms change;
 * a few subscriptions to `warmRooms` are opened and closed first. `heapUsed` reads the JS heap too.
 */
async function idleSubscriptionCost(
  server: BenchService,
  rooms: readonly string[],
  warmRooms: readonly string[],
  size: Sizes,
  heapUsed?: () => Promise<number>,
): Promise<MemoryRun> {
  await (await openSubscriberFleet({ url: server.url, appId: APP_ID, rooms: warmRooms, perRoom: 4, workers: 1 })).stop();
  const idle = await idleRss(server, size);
  const heapUsedIdleBytes = await heapUsed?.();
  const fleet = await openSubscriberFleet({ url: server.url, appId: APP_ID, rooms, perRoom: PER_ROOM, workers: size.workers });
  try {
    const subscribed = await idleRss(server, size);
    const heapUsedSubscribedBytes = await heapUsed?.();
    const { received, problems } = await fleet.count();
    if (problems.length > 0 || received > 0) throw new Error(`memory: the subscriptions were not idle: ${received} changes, ${problems.join('; ')}`);
    return {
      subscriptions: fleet.size,
      rssIdleBytes: idle.settled,
      rssSubscribedBytes: subscribed.settled,
      rssIdleEarlyBytes: idle.early,
      rssSubscribedEarlyBytes: subscribed.early,
      heapUsedIdleBytes,
      heapUsedSubscribedBytes,
    };
  } finally {
    await fleet.stop();
  }
}

/**
 * RSS `earlyMs` into an idle spell, and settled: the median of samples 1 s apart once the spell
 * has lasted `settleMs`. Nothing is asked of the server meanwhile, so that its idling is real.
 */
async function idleRss(server: BenchService, { samples, earlyMs, settleMs }: Sizes): Promise<{ early: number; settled: number }> {
  const start = performance.now();
  await sleep(earlyMs);
  const early = await server.rssBytes();
  await sleep(Math.max(0, settleMs - (performance.now() - start)));
  const values: number[] = [];
  for (let i = 0; i < samples; i += 1) {
    if (i > 0) await sleep(1_000);
    values.push(await server.rssBytes());
  }
  return { early, settled: median(values) };
}

/** (RSS with − RSS without) ÷ subscriptions, both read settled or both read early. */
function perSubscription(run: MemoryRun, when: 'settled' | 'early' = 'settled'): number {
  const [withSubscriptions, without] =
    when === 'settled' ? [run.rssSubscribedBytes, run.rssIdleBytes] : [run.rssSubscribedEarlyBytes, run.rssIdleEarlyBytes];
  return (withSubscriptions - without) / run.subscriptions;
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
