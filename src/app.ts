import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { callbackRoutes } from './callbacks/route.js';
import type { Config } from './config.js';
import { openDatabase, type DatabaseHandle } from './db/client.js';
import { migrateDatabase } from './db/migrate.js';
import { createGraphQLServer, type GraphQLServer } from './graphql/yoga.js';
import { graphqlRoutes } from './http/graphql-route.js';
import { healthRoutes } from './http/health.js';
import { createPresence } from './presence/ingest.js';

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
  /** Yoga, for transports other than HTTP (a WebSocket server runs operations through it). */
  graphql: GraphQLServer;
}

export interface App {
  start(): Promise<RunningApp>;
  stop(): Promise<void>;
}

/** Builds the service from a configuration. Nothing is opened or listened on until `start`. */
export function createApp(config: Config, options: AppOptions = {}): App {
  let running: { app: RunningApp; ownsDatabase: boolean } | undefined;

  async function start(): Promise<RunningApp> {
    if (running) return running.app;
    const ownsDatabase = options.database === undefined;
    const database = options.database ?? (await openDatabase(config.database));
    try {
      await migrateDatabase(database);
      const { http, graphql } = buildHttp(config, database, options);
      const address = await listen(http, config);
      running = { app: { ...address, database, http, graphql }, ownsDatabase };
      return running.app;
    } catch (error) {
      if (ownsDatabase) await database.close();
      throw error;
    }
  }

  async function stop(): Promise<void> {
    if (!running) return;
    const { app, ownsDatabase } = running;
    running = undefined;
    await app.http.close();
    if (ownsDatabase) await app.database.close();
  }

  return { start, stop };
}

function buildHttp(config: Config, database: DatabaseHandle, options: AppOptions): { http: FastifyInstance; graphql: GraphQLServer } {
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
  const presence = createPresence(database.db);
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
  const graphql = createGraphQLServer({ db: database.db, production: config.production, logger: http.log });
  http.register(graphqlRoutes(graphql));
  return { http, graphql };
}

async function listen(http: FastifyInstance, config: Config): Promise<{ url: string; port: number }> {
  await http.listen({ port: config.port, host: config.host });
  const address = http.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return { url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`, port };
}
