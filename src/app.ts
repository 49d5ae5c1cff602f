import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { callbackRoutes } from './callbacks/route.js';
import type { Config } from './config.js';
import { openDatabase, type DatabaseHandle } from './db/client.js';
import { migrateDatabase } from './db/migrate.js';
import { healthRoutes } from './http/health.js';
import { createPresence } from './presence/ingest.js';
import { listenForNotices } from './pubsub/listener.js';
import { LogoutFeed } from './pubsub/logout-feed.js';
import { PresenceFeeds } from './pubsub/presence-feeds.js';
import { noticeOf, publishNotice } from './pubsub/publish.js';

export interface AppOptions {
  /** Use this database instead of opening the configured one; it is left open on stop. */
  database?: DatabaseHandle;
  /** Clock for the callback timestamp window (tests move it). */
  now?: () => number;
}

/** Where subscribers on this instance are fed from. */
export interface LiveFeeds {
  presence: PresenceFeeds;
  logouts: LogoutFeed;
}

export interface RunningApp {
  url: string;
  port: number;
  database: DatabaseHandle;
  http: FastifyInstance;
  feeds: LiveFeeds;
}

export interface App {
  start(): Promise<RunningApp>;
  stop(): Promise<void>;
}

/** Builds the service from a configuration. Nothing is opened or listened on until `start`. */
export function createApp(config: Config, options: AppOptions = {}): App {
  let running: { app: RunningApp; ownsDatabase: boolean; unlisten: () => Promise<void> } | undefined;

  async function start(): Promise<RunningApp> {
    if (running) return running.app;
    const ownsDatabase = options.database === undefined;
    const database = options.database ?? (await openDatabase(config.database));
    let unlisten: (() => Promise<void>) | undefined;
    try {
      await migrateDatabase(database);
      const feeds: LiveFeeds = { presence: new PresenceFeeds(database.db), logouts: new LogoutFeed(database.db) };
      unlisten = await listenForNotices(database, feeds);
      const http = buildHttp(config, database, options);
      const address = await listen(http, config);
      running = { app: { ...address, database, http, feeds }, ownsDatabase, unlisten };
      return running.app;
    } catch (error) {
      await unlisten?.().catch(() => {});
      if (ownsDatabase) await database.close();
      throw error;
    }
  }

  async function stop(): Promise<void> {
    if (!running) return;
    const { app, ownsDatabase, unlisten } = running;
    running = undefined;
    await app.http.close();
    await unlisten().catch(() => {});
    if (ownsDatabase) await app.database.close();
  }

  return { start, stop };
}

function buildHttp(config: Config, database: DatabaseHandle, options: AppOptions): FastifyInstance {
  const http = Fastify({
    logger: { level: config.logLevel },
    // Routes log one line per request themselves, with what matters for that route.
    logController: new LogController({ disableRequestLogging: true }),
    // ZEGO's callback must be answered even when a client keeps a connection open for SSE.
    forceCloseConnections: true,
  });
  if (config.callbackAuth.mode === 'shared' && config.callbackAuth.isDevelopmentSecret) {
    http.log.warn(
      'NO CALLBACK SECRET CONFIGURED: accepting callbacks signed with the development secret "dev-secret". ' +
        'Set ZEGO_CALLBACK_SECRET or ZEGO_APPS before exposing this service.',
    );
  }
  const presence = createPresence(database.db, (tx, applied) => publishNotice(tx, noticeOf(applied)));
  http.register(healthRoutes(database));
  http.register(
    callbackRoutes({
      auth: config.callbackAuth,
      timestampToleranceS: config.timestampToleranceS,
      now: options.now ?? Date.now,
      applyRoomEvent: (event) => presence.ingest(event),
      keepOtherCallback: (callback) => presence.keepOtherCallback(callback),
    }),
  );
  return http;
}

async function listen(http: FastifyInstance, config: Config): Promise<{ url: string; port: number }> {
  await http.listen({ port: config.port, host: config.host });
  const address = http.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return { url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`, port };
}
