import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { callbackRoutes } from './callbacks/route.js';
import type { Config } from './config.js';
import { openDatabase, type DatabaseHandle } from './db/client.js';
import { deploymentId } from './db/deployment.js';
import { migrateDatabase } from './db/migrate.js';
import { ApiTokenChecker } from './graphql/api-tokens.js';
import { createGraphQLServer, type GraphQLServer } from './graphql/yoga.js';
import { ConnectionLimiter } from './http/connection-limiter.js';
import { graphqlRoutes, type GraphQLRoutes } from './http/graphql-route.js';
import { attachGraphQLWebSocket, type GraphQLWebSocket } from './http/graphql-ws.js';
import { healthRoutes } from './http/health.js';
import { metricsRoutes } from './http/metrics-route.js';
import { createMetrics, type Metrics } from './metrics.js';
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
  metrics: Metrics;
  /** Yoga, for transports other than HTTP (a WebSocket server runs operations through it). */
  graphql: GraphQLServer;
}

export interface App {
  start(): Promise<RunningApp>;
  /** Stops accepting, lets callbacks in progress finish, closes subscriptions and the database. */
  stop(): Promise<void>;
}

// Requests still in progress on stop get this long before their connections are cut.
const STOP_GRACE_MS = 10_000;

interface Running {
  app: RunningApp;
  routes: GraphQLRoutes;
  webSocket: GraphQLWebSocket;
  presence: Presence;
  bus: NoticeBus;
  ownsDatabase: boolean;
  stopFeeding: () => void;
}

/** Builds the service from a configuration. Nothing is opened or listened on until `start`. */
export function createApp(config: Config, options: AppOptions = {}): App {
  let running: Running | undefined;

  async function start(): Promise<RunningApp> {
    if (running) return running.app;
    const ownsDatabase = options.database === undefined;
    const database = options.database ?? (await openDatabase(config.database));
    let bus: NoticeBus | undefined;
    try {
      await migrateDatabase(database);
      const notices = createNoticeBus(config.redisUrl, await deploymentId(database.db));
      bus = notices;
      const metrics = createMetrics({
        database: async (gauge) => {
          for (const { state, count } of await database.connectionStates()) gauge.set({ state }, count);
        },
      });
      const feeds = createLiveFeeds(database.db);
      const stopFeeding = startFeeding(notices, feeds, config.liveCatchUpS);
      const presence = createPresence(database.db, {
        onCommitted: (applied) => {
          notices.publish(noticeOf(applied));
          metrics.batchSize.observe(applied.length);
          for (const event of applied) {
            if (event.late) metrics.lateEvents.inc();
            if (event.missingUpdates > 0) metrics.updateSeqMissing.inc(event.missingUpdates);
          }
        },
      });
      const http = buildHttp(config, database, presence, metrics, options);
      const tokens = new ApiTokenChecker(config.apiTokens);
      const limiter = new ConnectionLimiter(config.limits.connectionsPerAddress, config.trustProxy);
      const graphql = createGraphQLServer({
        db: database.db,
        feeds,
        tokens,
        introspection: config.introspection,
        graphiql: config.graphiql,
        production: config.production,
        logger: http.log,
      });
      const routes = graphqlRoutes(graphql, limiter, metrics);
      http.register(routes.register);
      const webSocket = attachGraphQLWebSocket(http.server, graphql, {
        production: config.production,
        tokens,
        limiter,
        subscriptionsPerConnection: config.limits.subscriptionsPerConnection,
        metrics,
      });
      const address = await listen(http, config);
      running = { app: { ...address, database, http, feeds, metrics, graphql }, routes, webSocket, presence, bus: notices, ownsDatabase, stopFeeding };
      return running.app;
    } catch (error) {
      await bus?.close();
      if (ownsDatabase) await database.close();
      throw error;
    }
  }

  async function stop(): Promise<void> {
    if (!running) return;
    const { app, routes, webSocket, presence, bus, ownsDatabase, stopFeeding } = running;
    running = undefined;
    // Stop accepting first; then end the long-lived streams, which would otherwise hold the close.
    const closing = app.http.close();
    await webSocket.close();
    routes.endStreams();
    const cutOff = setTimeout(() => app.http.server.closeAllConnections(), STOP_GRACE_MS);
    try {
      await closing;
    } finally {
      clearTimeout(cutOff);
    }
    // Every callback handed to the domain is committed or refused before the database goes.
    await presence.drain();
    stopFeeding();
    await bus.close();
    if (ownsDatabase) await app.database.close();
  }

  return { start, stop };
}

/** Feeds live subscribers from the notice bus, and re-reads their rooms now and then in case a notice was lost. */
function startFeeding(bus: NoticeBus, feeds: LiveFeeds, catchUpS: number): () => void {
  const stopListening = feedFromBus(bus, feeds);
  const catchUp = setInterval(() => void feeds.presence.catchUp(), catchUpS * 1000);
  catchUp.unref();
  return () => {
    clearInterval(catchUp);
    stopListening();
  };
}

function buildHttp(
  config: Config,
  database: DatabaseHandle,
  presence: Presence,
  metrics: Metrics,
  options: AppOptions,
): FastifyInstance {
  const http = Fastify({
    logger: {
      level: config.logLevel,
      // Tokens and secrets never reach the log, whatever a future log line includes.
      redact: ['req.headers.authorization', 'headers.authorization', 'connectionParams.authorization'],
    },
    // Routes log one line per request themselves, with what matters for that route.
    logController: new LogController({ disableRequestLogging: true }),
    // Idle keep-alive connections are closed on stop; requests in progress are let finish.
    forceCloseConnections: 'idle',
    trustProxy: config.trustProxy,
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
  if (config.apiTokens === null) http.log.warn('API_TOKENS is not set: GraphQL is open to anyone who can reach it');
  http.register(healthRoutes(database));
  http.register(metricsRoutes(metrics));
  http.register(
    callbackRoutes(
      {
        auth: config.callbackAuth,
        timestampToleranceS: config.timestampToleranceS,
        now: options.now ?? Date.now,
        applyRoomEvent: (event) => presence.ingest(event),
        keepOtherCallback: (callback) => presence.keepOtherCallback(callback),
      },
      metrics,
    ),
  );
  if (config.livePage) http.register(livePageRoutes({ tokenRequired: config.apiTokens !== null }));
  return http;
}

async function listen(http: FastifyInstance, config: Config): Promise<{ url: string; port: number }> {
  await http.listen({ port: config.port, host: config.host });
  const address = http.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return { url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`, port };
}
