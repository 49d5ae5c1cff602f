import type { FastifyBaseLogger } from 'fastify';
import { getOperationAST, getVariableValues, type ExecutionArgs, type GraphQLError } from 'graphql';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { createGraphQLError, createYoga, maskError, type YogaServerInstance } from 'graphql-yoga';
import type { Database } from '../db/client.js';
import type { LiveFeeds } from '../pubsub/feeds.js';
import { isDatabaseUnavailable } from '../db/errors.js';
import type { ApiTokenChecker } from './api-tokens.js';
import { createGraphQLContext, type GraphQLContext } from './context.js';
import { ARMOR_LIMITS } from './limits.js';
import { usePageSizeLimit } from './page-size-rule.js';
import { useStorableText } from './storable-text-rule.js';
import { useStandardSubscribe } from './standard-subscribe.js';
import { schema } from './schema.js';

export interface GraphQLServerOptions {
  db: Database;
  feeds: LiveFeeds;
  tokens: ApiTokenChecker;
  introspection: boolean;
  graphiql: boolean;
  production: boolean;
  logger: FastifyBaseLogger;
}

/** The server context a transport passes in: Fastify's request and reply over HTTP, nothing more over WebSocket. */
export type GraphQLServerContext = Record<string, unknown>;
export type GraphQLServer = YogaServerInstance<GraphQLServerContext, GraphQLContext>;

function runsCompiled({ schema, document, operationName, variableValues }: ExecutionArgs): boolean {
  const operation = getOperationAST(document, operationName);
  if (operation?.operation !== 'query') return false;
  return !getVariableValues(schema, operation.variableDefinitions ?? [], variableValues ?? {}).errors;
}

/**
 * GraphQL over HTTP and SSE, framework-neutral: the HTTP route hands it requests, and a WebSocket
 * server can run operations through the same plugins with `getEnveloped`.
 */
export function createGraphQLServer(options: GraphQLServerOptions): GraphQLServer {
  const { db, feeds, tokens, production, logger } = options;
  return createYoga<GraphQLServerContext, GraphQLContext>({
    schema,
    context: ({ request, connectionParams }: { request?: Request; connectionParams?: Record<string, unknown> }) => {
      // HTTP and SSE send the token as a header; WebSocket clients in connection_init's payload.
      const authorization = request?.headers.get('authorization') ?? connectionParams?.authorization;
      const principal = tokens.authenticate(authorization);
      if (!principal) {
        throw createGraphQLError(
          authorization == null ? 'an API token is required: send Authorization: Bearer <token>' : 'the API token is not valid',
          { extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'www-authenticate': 'Bearer' } } } },
        );
      }
      return createGraphQLContext(principal, db, feeds);
    },
    graphiql: options.graphiql,
    landingPage: false,
    // The HTTP route reads at most GRAPHQL_BODY_LIMIT before Yoga sees a request. Yoga's own limit
    // (25 MB) would pipe every body through a TransformStream once more: about 3% of the CPU of a
    // history page (--cpu-prof under `npm run bench -- --only history`).
    maxRequestBodySize: false,
    plugins: [
      usePageSizeLimit(),
      useStorableText(),
      // Depth, cost, aliases, tokens and directives: refused before anything runs, with a message naming the limit.
      EnvelopArmorPlugin({ ...ARMOR_LIMITS, blockFieldSuggestion: { enabled: production } }),
      ...(options.introspection ? [] : [useDisableIntrospection()]),
      // Queries run compiled: a history page of 50 logouts resolves hundreds of fields, and the
      // compiled form served about 40% more pages per second (BENCHMARKS.md). Subscriptions stay
      // on the standard executor, and so do operations whose variables do not coerce: it names
      // the problem in the scalar's own words, where the compiled form only says "Expected type".
      useGraphQlJit({}, { enableIf: runsCompiled }),
      useStandardSubscribe(),
    ],
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
