import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { callbackRoutes } from './callbacks/route.js';
import type { Config } from './config.js';
import { openDatabase, type DatabaseHandle } from './db/client.js';
import { migrateDatabase } from './db/migrate.js';
import { createGraphQLServer, type GraphQLServer } from './graphql/yoga.js';
import { graphqlRoutes } from './http/graphql-route.js';
import { attachGraphQLWebSocket, type GraphQLWebSocket } from './http/graphql-ws.js';
import { healthRoutes } from './http/health.js';
import { livePageRoutes } from './http/live-page.js';
import { createPresence, type Presence } from './presence/ingest.js';
import { createNoticeBus, type NoticeBus } from './pubsub/bus.js';
import { createLiveFeeds, type LiveFeeds } from './pubsub/feeds.js';
import { feedFromBus } from './pubsub/listener.js';
import { noticeOf } from './pubsub/publish.js';

export interface AppOptions {
  /** Use this database instead of opening the configured one; it is left open on stop. */
  database?: DatabaseHandle;
  /** Clock for the callback timestamp window (tests move it). */
  now?: () => number;
}

export interface RunningApp {
  url: string;
  port: number;
  database: DatabaseHandle;
  http: FastifyInstance;
  feeds: LiveFeeds;
  /** Yoga, for transports other than HTTP (a WebSocket server runs operations through it). */
  graphql: GraphQLServer;
}

export interface App {
  start(): Promise<RunningApp>;
  stop(): Promise<void>;
}

// In-flight requests get this long to finish on stop before their connections are cut.
const STOP_GRACE_MS = 10_000;

interface Running {
  app: RunningApp;
  webSocket: GraphQLWebSocket;
  presence: Presence;
  bus: NoticeBus;
  ownsDatabase: boolean;
  release: () => void;
}

/** Builds the service from a configuration. Nothing is opened or listened on until `start`. */
export function createApp(config: Config, options: AppOptions = {}): App {
  let running: Running | undefined;

  async function start(): Promise<RunningApp> {
    if (running) return running.app;
    const ownsDatabase = options.database === undefined;
    const database = options.database ?? (await openDatabase(config.database));
    const bus = createNoticeBus(config.redisUrl);
    try {
      await migrateDatabase(database);
      const feeds = createLiveFeeds(database.db);
      const stopFeeding = feedFromBus(bus, feeds);
      // A lost notice (an instance that died between commit and publish) delays a change by at most this.
      const catchUp = setInterval(() => void feeds.presence.catchUp(), config.liveCatchUpS * 1000);
      catchUp.unref();
      const presence = createPresence(database.db, { onCommitted: (applied) => bus.publish(noticeOf(applied)) });
      const { http, graphql } = buildHttp(config, database, presence, feeds, options);
      const webSocket = attachGraphQLWebSocket(http.server, graphql, { production: config.production });
      const address = await listen(http, config);
      const release = () => {
        clearInterval(catchUp);
        stopFeeding();
      };
      running = { app: { ...address, database, http, feeds, graphql }, webSocket, presence, bus, ownsDatabase, release };
      return running.app;
    } catch (error) {
      await bus.close();
      if (ownsDatabase) await database.close();
      throw error;
    }
  }

  async function stop(): Promise<void> {
    if (!running) return;
    const { app, webSocket, presence, bus, ownsDatabase, release } = running;
    running = undefined;
    await webSocket.close();
    const cutOff = setTimeout(() => app.http.server.closeAllConnections(), STOP_GRACE_MS);
    try {
      await app.http.close();
    } finally {
      clearTimeout(cutOff);
    }
    // Every callback that was handed to the domain is committed or refused before the database goes.
    await presence.drain();
    release();
    await bus.close();
    if (ownsDatabase) await app.database.close();
  }

  return { start, stop };
}

function buildHttp(
  config: Config,
  database: DatabaseHandle,
  presence: Presence,
  feeds: LiveFeeds,
  options: AppOptions,
): { http: FastifyInstance; graphql: GraphQLServer } {
  const http = Fastify({
    logger: { level: config.logLevel },
    // Routes log one line per request themselves, with what matters for that route.
    logController: new LogController({ disableRequestLogging: true }),
    // Idle keep-alive connections are closed on stop; requests in progress are let finish.
    forceCloseConnections: 'idle',
  });
  if (config.callbackAuth.mode === 'shared' && config.callbackAuth.isDevelopmentSecret) {
    http.log.warn(
      'NO CALLBACK SECRET CONFIGURED: accepting callbacks signed with the development secret "dev-secret". ' +
        'Set ZEGO_CALLBACK_SECRET or ZEGO_APPS before exposing this service.',
    );
  }
  if (config.database.kind === 'postgres' && config.redisUrl === null) {
    http.log.info('REDIS_URL is not set: live subscriptions hear only of callbacks received by this instance');
  }
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
  const graphql = createGraphQLServer({ db: database.db, feeds, production: config.production, logger: http.log });
  http.register(graphqlRoutes(graphql));
  if (config.livePage) http.register(livePageRoutes());
  return { http, graphql };
}

async function listen(http: FastifyInstance, config: Config): Promise<{ url: string; port: number }> {
  await http.listen({ port: config.port, host: config.host });
  const address = http.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return { url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`, port };
}
