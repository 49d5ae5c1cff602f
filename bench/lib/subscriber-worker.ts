/**
 * One client process of the subscriber fleet (forked by subscriber-fleet.ts): opens one
 * graphql-ws connection per subscriber, as one browser tab would, subscribes each to one room's
 * presence, and timestamps every change it receives with a clock that other processes on this
 * machine can compare with.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { Delivery, WorkerReply, WorkerRequest } from './subscriber-protocol.js';

// Only what the fan-out needs to tell events apart; the snapshot is kept as small as a member list allows.
const QUERY = /* GraphQL */ `
  subscription BenchPresence($appId: String, $roomId: String!) {
    roomPresence(appId: $appId, roomId: $roomId) { kind memberCount member { userAccount } }
  }
`;

interface Change {
  roomPresence?: { kind: string; member: { userAccount: string } | null };
}

const now = () => performance.timeOrigin + performance.now();

const clients: Client[] = [];
let deliveries: Delivery[] = [];
let received = 0;
const problems: string[] = [];

function problem(message: string): void {
  // The first few say what went wrong; the rest only add to the count.
  if (problems.length < 20) problems.push(message);
  else problems[19] = `${message} (and more)`;
}

/** Resolves when the subscription's SNAPSHOT arrived; events after it are recorded. */
function subscribe(url: string, appId: string, subscriber: number, roomId: string): Promise<void> {
  return new Promise((resolve) => {
    let snapshot = false;
    const settle = () => {
      if (!snapshot) {
        snapshot = true;
        resolve();
      }
    };
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
      onNonLazyError: (error) => {
        problem(`subscriber ${subscriber}: connection failed: ${describe(error)}`);
        settle();
      },
    });
    clients.push(client);
    client.subscribe<Change>(
      { query: QUERY, variables: { appId, roomId } },
      {
        next: (result) => {
          const at = now();
          const change = result.data?.roomPresence;
          if (!change) {
            problem(`subscriber ${subscriber}: ${JSON.stringify(result.errors ?? result)}`);
            return settle();
          }
          if (change.kind === 'SNAPSHOT') {
            if (snapshot) problem(`subscriber ${subscriber}: a second SNAPSHOT`);
            return settle();
          }
          received += 1;
          deliveries.push([subscriber, `${roomId}|${change.member?.userAccount ?? ''}|${change.kind}`, at]);
        },
        error: (error) => {
          problem(`subscriber ${subscriber}: ${describe(error)}`);
          settle();
        },
        complete: () => {
          problem(`subscriber ${subscriber}: the server completed the subscription`);
          settle();
        },
      },
    );
  });
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object' && 'code' in error) return `closed ${(error as { code: number }).code} ${(error as { reason?: string }).reason ?? ''}`;
  return JSON.stringify(error);
}

async function open(request: Extract<WorkerRequest, { type: 'open' }>): Promise<void> {
  let next = 0;
  // Bounded so that the server's accept queue and snapshot reads see a crowd, not a stampede.
  const opener = async () => {
    for (let i = next++; i < request.subscriptions.length; i = next++) {
      const { subscriber, roomId } = request.subscriptions[i]!;
      await subscribe(request.url, request.appId, subscriber, roomId);
    }
  };
  await Promise.all(Array.from({ length: request.concurrency }, opener));
}

async function handle(request: WorkerRequest): Promise<WorkerReply> {
  switch (request.type) {
    case 'open':
      await open(request);
      return { id: request.id, type: 'opened', problems: [...problems] };
    case 'count':
      return { id: request.id, type: 'count', received, problems: [...problems] };
    case 'drain': {
      const drained = deliveries;
      deliveries = [];
      return { id: request.id, type: 'drained', deliveries: drained };
    }
    case 'close':
      await Promise.allSettled(clients.map((client) => client.dispose()));
      return { id: request.id, type: 'closed' };
  }
}

process.on('message', (request: WorkerRequest) => {
  handle(request).then(
    (reply) => process.send!(reply),
    (error: unknown) => process.send!({ id: request.id, type: 'failed', message: describe(error) } satisfies WorkerReply),
  );
});
// Orphaned clients would hold thousands of sockets open against the next benchmark.
process.on('disconnect', () => process.exit(0));
