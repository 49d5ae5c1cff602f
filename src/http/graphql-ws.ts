import type { Server } from 'node:http';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { GraphQLServer } from '../graphql/yoga.js';

/**
 * GraphQL over WebSocket (the `graphql-transport-ws` subprotocol) on the HTTP server's port and
 * GraphQL path. Operations run through Yoga's `getEnveloped`, so WebSocket, HTTP and SSE share
 * one plugin chain: the same context, error masking and (later) limits and authentication.
 */
export interface GraphQLWebSocket {
  /** Closes every socket (1001, going away) and stops accepting new ones. */
  close(): Promise<void>;
}

interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

export function attachGraphQLWebSocket(server: Server, graphql: GraphQLServer, options: { production: boolean }): GraphQLWebSocket {
  const sockets = new WebSocketServer({ server, path: graphql.graphqlEndpoint });
  const disposable = useServer(
    {
      isProd: options.production,
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args) as never,
      onSubscribe: async (context, _id, payload) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = graphql.getEnveloped({
          ...context,
          req: context.extra.request,
          socket: context.extra.socket,
          params: payload,
        });
        let document;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError('the query could not be parsed')];
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        const args: ExecutionArgs = {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe } satisfies EnvelopedRoot,
        };
        return args;
      },
    },
    sockets,
  );
  return {
    async close() {
      await disposable.dispose();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
    },
  };
}
