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
  rssIdleBytes: number;
  rssSubscribedBytes: number;
  /** The service's own JS heap figure; the bare server has no /metrics. */
  heapUsedIdleBytes?: number;
  heapUsedSubscribedBytes?: number;
  perSubscriptionBytes: number;
}

interface Sizes {
  rooms: number;
  workers: number;
  samples: number;
  settleMs: number;
}

/**
 * Memory per idle subscription: the service's RSS with no subscription and with many, none of
 * whose rooms change meanwhile, and the same for a bare graphql-ws server (the floor). Each run
 * starts a fresh server so that the baselines compare.
 */
export async function memory(context: BenchContext): Promise<SectionResult> {
  const size: Sizes = context.smoke ? { rooms: 10, workers: 1, samples: 1, settleMs: 300 } : { rooms: 1_000, workers: 4, samples: 5, settleMs: 2_000 };
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
          `${(r.perSubscriptionBytes / 1024).toFixed(1)} KiB each (JS heap used ${mib(r.heapUsedIdleBytes!)} → ${mib(r.heapUsedSubscribedBytes!)} MiB)`,
      );
      await server.stop();
      server = undefined;
    }

    const floorRuns: MemoryRun[] = [];
    for (let run = 0; run < context.runs; run += 1) {
      server = await startBareSubscriptionServer();
      floorRuns.push(await idleSubscriptionCost(server, rooms, roomIds(5, `warm${run}`), size));
      context.log(`memory floor run ${run + 1}: bare graphql-ws + graphql-js, ${(floorRuns.at(-1)!.perSubscriptionBytes / 1024).toFixed(1)} KiB per subscription`);
      await server.stop();
      server = undefined;
    }
    const floors = floorRuns.map((r) => r.perSubscriptionBytes);

    const count = runs[0]!.subscriptions.toLocaleString('en-US');
    const perSubscription = runs.map((r) => r.perSubscriptionBytes);
    return {
      section: 'memory',
      figures: [
        figure('service RSS, no subscription', 'MiB', runs.map((r) => r.rssIdleBytes / 2 ** 20), undefined,
          `fresh service per run, warmed by ${size.rooms} room-opening callbacks (first run), a few login/logout callbacks, one rooms query and a few subscriptions opened and closed; median of ${size.samples} samples 1 s apart`),
        figure(`service RSS, ${count} idle subscriptions`, 'MiB', runs.map((r) => r.rssSubscribedBytes / 2 ** 20), undefined,
          `${PER_ROOM} per room × ${size.rooms} rooms, each with its own WebSocket (the costlier, browser-tab case), measured after every SNAPSHOT arrived`),
        figure('memory per idle subscription', 'bytes', perSubscription, { kind: 'atMost', value: TARGET_BYTES, against: 'target: 20 KB = 20 × 1024 bytes' },
          `(RSS with − RSS without) / ${count}; includes the WebSocket, its HTTP upgrade request and the GraphQL operation; JS heap used per subscription ${(median(runs.map((r) => (r.heapUsedSubscribedBytes! - r.heapUsedIdleBytes!) / r.subscriptions)) / 1024).toFixed(1)} KiB (median); ${(median(perSubscription) / median(floors)).toFixed(2)} × the floor below`),
        figure('memory per idle subscription, the floor: bare graphql-ws + graphql-js', 'bytes', floors, undefined,
          `the same fleet against graphql-ws 6 over ws on Node's HTTP server with a graphql-js schema answering the same subscription with one SNAPSHOT, and nothing else (bench/lib/bare-subscription-server.ts); fresh process per run`),
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
  const rssIdleBytes = await settledRss(server, size);
  const heapUsedIdleBytes = await heapUsed?.();
  const fleet = await openSubscriberFleet({ url: server.url, appId: APP_ID, rooms, perRoom: PER_ROOM, workers: size.workers });
  try {
    const rssSubscribedBytes = await settledRss(server, size);
    const heapUsedSubscribedBytes = await heapUsed?.();
    const { received, problems } = await fleet.count();
    if (problems.length > 0 || received > 0) throw new Error(`memory: the subscriptions were not idle: ${received} changes, ${problems.join('; ')}`);
    const perSubscriptionBytes = (rssSubscribedBytes - rssIdleBytes) / fleet.size;
    return { subscriptions: fleet.size, rssIdleBytes, rssSubscribedBytes, heapUsedIdleBytes, heapUsedSubscribedBytes, perSubscriptionBytes };
  } finally {
    await fleet.stop();
  }
}

/** The median of RSS samples 1 s apart, after the service has had a moment to finish what it was doing. */
async function settledRss(service: BenchService, { samples, settleMs }: { samples: number; settleMs: number }): Promise<number> {
  await sleep(settleMs);
  const values: number[] = [];
  for (let i = 0; i < samples; i += 1) {
    if (i > 0) await sleep(1_000);
    values.push(await service.rssBytes());
  }
  return median(values);
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
