import { setTimeout as sleep } from 'node:timers/promises';
import { figure, median, type BenchContext, type SectionResult } from '../lib/figures.js';
import { sendPresenceLoad } from '../lib/presence-load.js';
import { openRooms, queryRooms, roomIds, serviceMetric } from '../lib/presence-rooms.js';
import { createScratchDatabase } from '../lib/scratch-database.js';
import { startBareSubscriptionServer, startBenchService, type BenchService } from '../lib/service.js';
import { openSubscriberFleet, type SubscriberFleet } from '../lib/subscriber-fleet.js';

const APP_ID = '1';
const PER_ROOM = 10;
const TARGET_BYTES = 20 * 1024;

interface MemoryRun {
  subscriptions: number;
  rssIdleBytes: number;
  rssSubscribedBytes: number;
  heapUsedIdleBytes: number;
  heapUsedSubscribedBytes: number;
  perSubscriptionBytes: number;
}

/**
 * Memory per idle subscription: the service's RSS with no subscription and with many, none of
 * whose rooms change meanwhile. Each run starts a fresh service so that the baselines compare.
 */
export async function memory(context: BenchContext): Promise<SectionResult> {
  const size = context.smoke ? { rooms: 10, workers: 1, samples: 1, settleMs: 300 } : { rooms: 1_000, workers: 4, samples: 5, settleMs: 2_000 };
  const rooms = roomIds(size.rooms);
  const scratch = await createScratchDatabase(context.serverUrl, 'memory');
  let service: BenchService | undefined;
  let fleet: SubscriberFleet | undefined;
  try {
    const runs: MemoryRun[] = [];
    for (let run = 0; run < context.runs; run += 1) {
      service = await startBenchService(scratch.url);
      if (run === 0) await openRooms(service.url, APP_ID, rooms);
      await warmUp(service, run);
      const rssIdleBytes = await settledRss(service, size);
      const heapUsedIdleBytes = await serviceMetric(service.url, 'nodejs_heap_size_used_bytes');

      fleet = await openSubscriberFleet({ url: service.url, appId: APP_ID, rooms, perRoom: PER_ROOM, workers: size.workers });
      const rssSubscribedBytes = await settledRss(service, size);
      const heapUsedSubscribedBytes = await serviceMetric(service.url, 'nodejs_heap_size_used_bytes');
      const { received, problems } = await fleet.count();
      if (problems.length > 0 || received > 0) throw new Error(`memory: the subscriptions were not idle: ${received} changes, ${problems.join('; ')}`);
      const perSubscriptionBytes = (rssSubscribedBytes - rssIdleBytes) / fleet.size;
      runs.push({ subscriptions: fleet.size, rssIdleBytes, rssSubscribedBytes, heapUsedIdleBytes, heapUsedSubscribedBytes, perSubscriptionBytes });
      context.log(
        `memory run ${run + 1}: RSS ${mib(rssIdleBytes)} → ${mib(rssSubscribedBytes)} MiB with ${fleet.size} subscriptions, ` +
          `${(perSubscriptionBytes / 1024).toFixed(1)} KiB each (JS heap used ${mib(heapUsedIdleBytes)} → ${mib(heapUsedSubscribedBytes)} MiB)`,
      );
      await fleet.stop();
      fleet = undefined;
      await service.stop();
      service = undefined;
    }

    const floors: number[] = [];
    for (let run = 0; run < context.runs; run += 1) {
      service = await startBareSubscriptionServer();
      fleet = await openSubscriberFleet({ url: service.url, appId: APP_ID, rooms: roomIds(5, `warm${run}`), perRoom: 4, workers: 1 });
      await fleet.stop();
      const rssIdleBytes = await settledRss(service, size);
      fleet = await openSubscriberFleet({ url: service.url, appId: APP_ID, rooms, perRoom: PER_ROOM, workers: size.workers });
      floors.push((await settledRss(service, size) - rssIdleBytes) / fleet.size);
      context.log(`memory floor run ${run + 1}: bare graphql-ws + graphql-js, ${(floors.at(-1)! / 1024).toFixed(1)} KiB per subscription`);
      await fleet.stop();
      fleet = undefined;
      await service.stop();
      service = undefined;
    }

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
          `(RSS with − RSS without) / ${count}; includes the WebSocket, its HTTP upgrade request and the GraphQL operation; JS heap used per subscription ${(median(runs.map((r) => (r.heapUsedSubscribedBytes - r.heapUsedIdleBytes) / r.subscriptions)) / 1024).toFixed(1)} KiB (median); ${(median(perSubscription) / median(floors)).toFixed(2)} × the floor below`),
        figure('memory per idle subscription, the floor: bare graphql-ws + graphql-js', 'bytes', floors, undefined,
          `the same fleet against graphql-ws 6 over ws on Node's HTTP server with a graphql-js schema answering the same subscription with one SNAPSHOT, and nothing else (bench/lib/bare-subscription-server.ts); fresh process per run`),
      ],
      raw: { runs, floors },
    };
  } finally {
    await fleet?.stop();
    await service?.stop();
    await scratch.drop();
  }
}

/** Runs every code path an idle subscription uses once, so that what is compiled and cached then is not counted per subscription. */
async function warmUp(service: BenchService, run: number): Promise<void> {
  const rooms = roomIds(5, `warm${run}`);
  await sendPresenceLoad(service.url, { rooms, appId: APP_ID, perSecond: 50, seconds: 0.4, label: `warm${run}` });
  await queryRooms(service.url, APP_ID);
  const fleet = await openSubscriberFleet({ url: service.url, appId: APP_ID, rooms, perRoom: 4, workers: 1 });
  await fleet.stop();
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
