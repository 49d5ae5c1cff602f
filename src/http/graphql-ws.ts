import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiTokenChecker } from '../graphql/api-tokens.js';
import type { GraphQLServer } from '../graphql/yoga.js';
import type { Metrics } from '../metrics.js';
import type { ConnectionLimiter } from './connection-limiter.js';

/**
 * GraphQL over WebSocket (the `graphql-transport-ws` subprotocol) on the HTTP server's port and
 * GraphQL path. Operations run through Yoga's `getEnveloped`, so WebSocket, HTTP and SSE share
 * one plugin chain: the same context, error masking and limits.
 */
export interface GraphQLWebSocket {
  /** Closes every socket (1001, going away) and stops accepting new ones. */
  close(): Promise<void>;
}

export interface GraphQLWebSocketOptions {
  production: boolean;
  tokens: ApiTokenChecker;
  limiter: ConnectionLimiter;
  subscriptionsPerConnection: number;
  metrics: Metrics;
}

interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

// A ping per socket this often finds dead peers and keeps proxies (idle limits of 60 s are
// usual) from cutting quiet sockets. graphql-ws's default of 12 s cost 10,000 idle sockets
// ~1,700 frames a second, a sixth of a core here (BENCHMARKS.md, fanout).
const KEEP_ALIVE_MS = 30_000;

export function attachGraphQLWebSocket(server: Server, graphql: GraphQLServer, options: GraphQLWebSocketOptions): GraphQLWebSocket {
  const { tokens, limiter, metrics } = options;
  const sockets = new WebSocketServer({ noServer: true });
  // Operations in progress on each socket, to cap them.
  const operations = new WeakMap<WebSocket, Set<string>>();

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== graphql.graphqlEndpoint) return;
    const release = limiter.acquire(limiter.addressOf(request));
    if (!release) {
      // Refused before the handshake, as HTTP, so that the client sees why.
      socket.end(`HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nmore than ${limiter.limit} open connections from this address\n`);
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => {
      metrics.webSocketConnections.inc();
      // `on`, not `once`: a socket closes once, and `once` would keep a wrapper and its state for as long as it is open.
      ws.on('close', () => {
        release();
        metrics.webSocketConnections.dec();
      });
      // The upgrade request is not handed on: graphql-ws would keep it (its headers and raw
      // headers, about 1.3 KB) in every connection's context for as long as the socket is open,
      // and nothing reads it after the address and path were checked above. `extra.request` is
      // therefore undefined, and no closure here may capture `request` either.
      sockets.emit('connection', ws);
    });
  };
  server.on('upgrade', onUpgrade);

  const disposable = useServer(
    {
      isProd: options.production,
      // A missing or wrong token ends the connection with 4403 Forbidden before any operation.
      onConnect: (context) => tokens.authenticate(context.connectionParams?.authorization) !== null,
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args) as never,
      onSubscribe: async (context, id, payload) => {
        const socket = context.extra.socket;
        const running = operations.get(socket) ?? new Set<string>();
        operations.set(socket, running);
        if (running.size >= options.subscriptionsPerConnection) {
          return [
            new GraphQLError(`too many subscriptions on this connection: at most ${options.subscriptionsPerConnection} at once`, {
              extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
            }),
          ];
        }
        const { schema, execute, subscribe, contextFactory, parse, validate } = graphql.getEnveloped({
          ...context,
          socket,
          params: payload,
        });
        let document;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError('the query could not be parsed')];
        }
        // Some validation rules (the abuse limits) throw their refusal rather than report it.
        let errors: readonly GraphQLError[];
        try {
          errors = validate(schema, document);
        } catch (error) {
          // Rebuilt rather than passed on: it may come from the other of graphql-js's two builds.
          const { message, extensions } = error as { message?: string; extensions?: Record<string, unknown> };
          errors = [new GraphQLError(message ?? 'the operation could not be validated', { extensions })];
        }
        if (errors.length > 0) return errors;
        running.add(id);
        metrics.subscriptions.inc({ transport: 'websocket' });
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe } satisfies EnvelopedRoot,
        };
      },
      onComplete: (context, id) => release(context.extra.socket, id),
      onError: (context, id) => release(context.extra.socket, id),
      onClose: (context) => {
        for (const id of operations.get(context.extra.socket) ?? []) release(context.extra.socket, id);
      },
    },
    sockets,
    KEEP_ALIVE_MS,
  );

  function release(socket: WebSocket, id: string) {
    if (operations.get(socket)?.delete(id)) metrics.subscriptions.dec({ transport: 'websocket' });
  }

  return {
    async close() {
      server.off('upgrade', onUpgrade);
      await disposable.dispose();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
    },
  };
}
