import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, loadConfig, type Config } from '../src/config.js';
import { appSecretOf } from './simulator/app-secret.js';
import { compareRooms, readServiceRooms } from './simulator/comparison.js';
import { deliverWithRetries, postCallback, ZEGO_RETRY_DELAYS_S } from './simulator/delivery.js';
import { createDeliveryOrder } from './simulator/delivery-order.js';
import { DeliveryStats } from './simulator/delivery-stats.js';
import { Dice } from './simulator/dice.js';
import { parseSimulatorArgs, USAGE, UsageError } from './simulator/options.js';
import { playTraffic } from './simulator/playback.js';
import { showProgress } from './simulator/progress.js';
import { buildReport, formatReport, type RunReport } from './simulator/report.js';
import { createTrafficModel } from './simulator/traffic-model.js';

/**
 * `npm run simulate`: plays seeded ZEGO room traffic against the service as ZEGO delivers it,
 * then compares the true final membership with the service's `rooms` query.
 */

/** Later callbacks can overtake a held-back one by at most this many. */
const REORDER_WINDOW = 20;

function serviceCallbackUrl(config: Config): string {
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' ? '::1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}/callbacks/zego`;
}

async function main(): Promise<number> {
  let config: Config;
  let options;
  let app;
  try {
    config = loadConfig();
    options = parseSimulatorArgs(process.argv.slice(2), serviceCallbackUrl(config), () => randomInt(2 ** 32));
    if (options === null) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    app = appSecretOf(config, options.appId);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UsageError) process.stderr.write(`${error.message}\n\nnpm run simulate -- --help tells the options.\n`);
    else process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }

  const model = createTrafficModel({
    seed: options.seed,
    appId: app.appId,
    rooms: options.rooms,
    users: options.users,
    startAt: Date.now(),
    stepMs: Math.max(1, Math.round(1000 / options.ratePerS)),
    prefix: options.prefix,
  });
  const order = createDeliveryOrder(Dice.of(options.seed, 1), { duplicate: options.duplicate, reorder: options.reorder, window: REORDER_WINDOW });
  const stats = new DeliveryStats();
  const retryDelaysMs = ZEGO_RETRY_DELAYS_S.map((seconds) => seconds * 1000 * options.retryScale);
  const callbackUrl = options.callbackUrl;
  const timeoutMs = options.timeoutMs;

  const started = performance.now();
  const progress = showProgress(stats);
  await playTraffic({
    model,
    callbacks: options.callbacks,
    ratePerS: options.ratePerS,
    order,
    stats,
    deliver: async (content) => {
      const outcome = await deliverWithRetries(() => postCallback(callbackUrl, content, app.secret, timeoutMs), retryDelaysMs, {
        sleep: (ms) => sleep(ms),
        onAnswer: (answer) => stats.recordAnswer(answer),
        onRetry: () => stats.retried++,
      });
      return outcome.accepted;
    },
  });
  progress.stop();

  const truth = model.rooms();
  let service: RunReport['service'];
  let differences: ReturnType<typeof compareRooms> = [];
  try {
    // Rooms of earlier runs with the same prefix that this run never played are not its to judge.
    const played = new Set(truth.map((room) => room.roomId));
    const read = await readServiceRooms({ url: options.graphqlUrl, token: options.token }, app.appId, (roomId) => played.has(roomId));
    service = { rooms: read.rooms.length, members: read.rooms.reduce((sum, room) => sum + room.members.length, 0), otherRooms: read.otherRooms };
    differences = compareRooms(truth, read.rooms);
  } catch (error) {
    service = { error: (error as Error).message };
  }
  const report = buildReport({
    seed: options.seed,
    appId: app.appId,
    callbackUrl,
    callbacksPlayed: stats.sent - stats.duplicatesSent,
    durationS: (performance.now() - started) / 1000,
    stats,
    truth,
    service,
    differences,
  });
  process.stdout.write(`${options.report === 'json' ? JSON.stringify(report, null, 2) : formatReport(report)}\n`);
  return report.converged ? 0 : 1;
}

// A report piped into `head` that stops reading is not an error of the run.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});
process.exitCode = await main();
