import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { GraphQLServer } from '../graphql/yoga.js';
import type { Metrics } from '../metrics.js';
import type { ConnectionLimiter } from './connection-limiter.js';

export const GRAPHQL_BODY_LIMIT = 1024 * 1024;

/**
 * `/graphql`: GET, POST (JSON, GraphQL-over-HTTP, multipart) and CORS preflight, handed to Yoga.
 * A plugin of its own, so its body handling is separate from the callback route's parsers.
 * Server-Sent Events streams count against the client address's connection limit.
 */
export interface GraphQLRoutes {
  register(app: FastifyInstance): Promise<void>;
  /** Ends every open SSE stream with the protocol's `complete` event (on shutdown). */
  endStreams(): void;
}

export function graphqlRoutes(graphql: GraphQLServer, limiter: ConnectionLimiter, metrics: Metrics): GraphQLRoutes {
  const streams = new Set<ServerResponse>();
  return { register, endStreams };

  function endStreams(): void {
    for (const stream of streams) {
      if (!stream.writableEnded) stream.end('event: complete\ndata:\n\n');
    }
  }

  async function register(app: FastifyInstance): Promise<void> {
    // Yoga parses every body itself, so malformed ones get GraphQL-over-HTTP answers rather than
    // Fastify's. Fastify only reads the bytes, which keeps its size limit in force.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: GRAPHQL_BODY_LIMIT }, (_request, body, done) => done(null, body));

    app.route({
      url: graphql.graphqlEndpoint,
      method: ['GET', 'POST', 'OPTIONS'],
      handler: (req, reply) => {
        if (req.headers.accept?.includes('text/event-stream')) {
          const release = limiter.acquire(limiter.addressOf(req.raw));
          if (!release) {
            return reply.code(429).send({ errors: [{ message: `more than ${limiter.limit} open connections from this address`, extensions: { code: 'TOO_MANY_CONNECTIONS' } }] });
          }
          metrics.sseStreams.inc();
          metrics.subscriptions.inc({ transport: 'sse' });
          streams.add(reply.raw);
          reply.raw.once('close', () => {
            streams.delete(reply.raw);
            release();
            metrics.sseStreams.dec();
            metrics.subscriptions.dec({ transport: 'sse' });
          });
        }
        return graphql.handleNodeRequestAndResponse(req, reply, { req, reply });
      },
    });
  }
}
