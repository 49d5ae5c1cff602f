import type { FastifyInstance } from 'fastify';
import type { GraphQLServer } from '../graphql/yoga.js';

export const GRAPHQL_BODY_LIMIT = 1024 * 1024;

/**
 * `/graphql`: GET, POST (JSON, GraphQL-over-HTTP, multipart) and CORS preflight, handed to Yoga.
 * A plugin of its own, so its body handling is separate from the callback route's parsers.
 */
export function graphqlRoutes(graphql: GraphQLServer) {
  return async function register(app: FastifyInstance): Promise<void> {
    // Yoga parses every body itself, so malformed ones get GraphQL-over-HTTP answers rather than
    // Fastify's. Fastify only reads the bytes, which keeps its size limit in force.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: GRAPHQL_BODY_LIMIT }, (_request, body, done) => done(null, body));

    app.route({
      url: graphql.graphqlEndpoint,
      method: ['GET', 'POST', 'OPTIONS'],
      handler: (req, reply) => graphql.handleNodeRequestAndResponse(req, reply, { req, reply }),
    });
  };
}
