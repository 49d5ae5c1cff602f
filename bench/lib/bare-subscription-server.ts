/**
 * The floor for memory per idle subscription: graphql-ws over ws on Node's HTTP server, with a
 * graphql-js schema that answers the subscriber fleet's roomPresence subscription with one
 * SNAPSHOT and then waits, and nothing else: no database, no authentication, no envelop plugins.
 * What an idle subscription costs here, every graphql-ws subscription over its own WebSocket costs.
 * Run in its own process by the memory bench: PORT=<port> node --import tsx bench/lib/bare-subscription-server.ts
 */
import { createServer } from 'node:http';
import { buildSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';

const schema = buildSchema(/* GraphQL */ `
  type Query { ok: Boolean }
  type Member { userAccount: String! }
  type PresenceChange { kind: String! memberCount: Int! member: Member }
  type Subscription { roomPresence(appId: String, roomId: String!): PresenceChange! }
`);

// A subscription that never changes: the first read answers the snapshot, the second never settles.
function idleRoom(): AsyncIterableIterator<unknown> {
  let sent = false;
  let close: (result: IteratorResult<unknown>) => void = () => {};
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      if (!sent) {
        sent = true;
        return Promise.resolve({ done: false, value: { roomPresence: { kind: 'SNAPSHOT', memberCount: 0, member: null } } });
      }
      return new Promise((resolve) => (close = resolve));
    },
    return() {
      close({ done: true, value: undefined });
      return Promise.resolve({ done: true, value: undefined });
    },
  };
}

const server = createServer((_request, response) => response.end('ok'));
const sockets = new WebSocketServer({ server, path: '/graphql' });
// The service's keep-alive interval, so that both hold the same timers per socket.
useServer({ schema, roots: { subscription: { roomPresence: idleRoom } } }, sockets, 30_000);
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
