import type { FastifyBaseLogger } from 'fastify';
import type { GraphQLError } from 'graphql';
import { createGraphQLError, createYoga, maskError, type YogaServerInstance } from 'graphql-yoga';
import type { Database } from '../db/client.js';
import type { LiveFeeds } from '../pubsub/feeds.js';
import { isDatabaseUnavailable } from '../db/errors.js';
import { createGraphQLContext, type GraphQLContext } from './context.js';
import { schema } from './schema.js';

export interface GraphQLServerOptions {
  db: Database;
  feeds: LiveFeeds;
  production: boolean;
  logger: FastifyBaseLogger;
}

/** The server context a transport passes in: Fastify's request and reply over HTTP, nothing more over WebSocket. */
export type GraphQLServerContext = Record<string, unknown>;
export type GraphQLServer = YogaServerInstance<GraphQLServerContext, GraphQLContext>;

/**
 * GraphQL over HTTP and SSE, framework-neutral: the HTTP route hands it requests, and a WebSocket
 * server can run operations through the same plugins with `getEnveloped`.
 */
export function createGraphQLServer({ db, feeds, production, logger }: GraphQLServerOptions): GraphQLServer {
  return createYoga<GraphQLServerContext, GraphQLContext>({
    schema,
    context: () => createGraphQLContext(db, feeds),
    graphiql: !production,
    landingPage: false,
    // Masking stays on everywhere: only errors made for clients (with a code) pass through.
    // Outside production a masked error carries the original in `extensions` for debugging.
    maskedErrors: {
      isDev: !production,
      maskError: (error, message, isDev) => {
        const masked = maskError(error, message, isDev) as GraphQLError;
        if (masked === error) return masked;
        // Read structurally: graphql-js ships two builds (CommonJS and ESM), and the error may come
        // from the other one, so `instanceof GraphQLError` cannot be trusted here.
        const cause = (error as { originalError?: unknown }).originalError ?? error;
        if (isDatabaseUnavailable(cause)) {
          logger.warn({ err: cause }, 'GraphQL operation failed: database unavailable');
          return createGraphQLError('the database is unavailable; retry later', {
            nodes: masked.nodes,
            path: masked.path,
            extensions: { code: 'SERVICE_UNAVAILABLE' },
          });
        }
        logger.error({ err: cause }, 'GraphQL operation failed');
        return masked;
      },
    },
    logging: {
      debug: (...args) => args.forEach((arg) => logger.debug(arg)),
      info: (...args) => args.forEach((arg) => logger.info(arg)),
      warn: (...args) => args.forEach((arg) => logger.warn(arg)),
      error: (...args) => args.forEach((arg) => logger.error(arg)),
    },
  });
}
