/**
 * The floor the service is measured against in two sections: graphql-ws over ws on Node's HTTP
 * server, with a graphql-js schema serving the subscriber fleet's roomPresence subscription, and
 * nothing else: no database, no authentication, no envelop plugins.
 *
 * - memory (the default): each subscription answers one SNAPSHOT and then waits. What an idle
 *   subscription costs here, every graphql-ws subscription over its own WebSocket costs.
 * - fan-out (FANOUT=1): a POSTed callback is parsed and its change handed straight to the room's
 *   subscribers, answered `{"status":"applied"}` with nothing stored or checked. What delivering a
 *   change to thousands of WebSockets costs on this machine, before a service commits anything.
 *   Kept out of the memory floor, whose subscriptions must hold nothing a room registry adds.
 *
 * Run in its own process: PORT=<port> [FANOUT=1] node --import tsx bench/lib/bare-subscription-server.ts
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { buildSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';

const schema = buildSchema(/* GraphQL */ `
  type Query { ok: Boolean }
  type Member { userAccount: String! }
  type PresenceChange { kind: String! memberCount: Int! member: Member }
  type Subscription { roomPresence(appId: String, roomId: String!): PresenceChange! }
`);

type Change = { kind: string; memberCount: number; member: { userAccount: string } | null };
const SNAPSHOT: Change = { kind: 'SNAPSHOT', memberCount: 0, member: null };

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
        return Promise.resolve({ done: false, value: { roomPresence: SNAPSHOT } });
      }
      return new Promise((resolve) => (close = resolve));
    },
    return() {
      close({ done: true, value: undefined });
      return Promise.resolve({ done: true, value: undefined });
    },
  };
}

/** Subscribers by room, each a function taking the room's next change. */
const listeners = new Map<string, Set<(change: Change) => void>>();
const memberCounts = new Map<string, number>();

// The snapshot, then every change of the room in order; a change that arrives while nobody reads waits in `queued`.
function liveRoom({ roomId }: { roomId: string }): AsyncIterableIterator<unknown> {
  const queued: Change[] = [SNAPSHOT];
  let waiting: ((result: IteratorResult<unknown>) => void) | null = null;
  let done = false;
  const room = listeners.get(roomId) ?? listeners.set(roomId, new Set()).get(roomId)!;
  const take = (change: Change) => {
    if (waiting) {
      const resolve = waiting;
      waiting = null;
      resolve({ done: false, value: { roomPresence: change } });
    } else queued.push(change);
  };
  room.add(take);
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      if (queued.length > 0) return Promise.resolve({ done: false, value: { roomPresence: queued.shift() } });
      if (done) return Promise.resolve({ done: true, value: undefined });
      return new Promise((resolve) => (waiting = resolve));
    },
    return() {
      done = true;
      room.delete(take);
      waiting?.({ done: true, value: undefined });
      waiting = null;
      return Promise.resolve({ done: true, value: undefined });
    },
  };
}

/** A ZEGO login or logout callback's change, handed to the room's subscribers; nothing is verified or kept. */
function callback(request: IncomingMessage, response: ServerResponse): void {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    let fields: { event?: unknown; room_id?: unknown; user_account?: unknown };
    try {
      fields = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof fields;
    } catch {
      fields = {};
    }
    if (typeof fields.room_id !== 'string' || typeof fields.user_account !== 'string') {
      response.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"not a login or logout callback"}');
      return;
    }
    const joined = fields.event === 'room_login';
    const memberCount = Math.max(0, (memberCounts.get(fields.room_id) ?? 0) + (joined ? 1 : -1));
    memberCounts.set(fields.room_id, memberCount);
    const change: Change = { kind: joined ? 'JOINED' : 'LEFT', memberCount, member: { userAccount: fields.user_account } };
    for (const take of listeners.get(fields.room_id) ?? []) take(change);
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"applied"}');
  });
}

const fanout = process.env.FANOUT === '1';
const server = createServer((request, response) => {
  if (fanout && request.method === 'POST' && request.url === '/callbacks/zego') callback(request, response);
  else response.end('ok');
});
const sockets = new WebSocketServer({ server, path: '/graphql' });
// The service's keep-alive interval, so that both hold the same timers per socket.
useServer({ schema, roots: { subscription: { roomPresence: fanout ? liveRoom : idleRoom } } }, sockets, 30_000);
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
