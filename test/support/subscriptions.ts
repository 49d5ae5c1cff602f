import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * Real subscription clients: graphql-ws over a `ws` WebSocket, and graphql-sse over Server-Sent
 * Events, each wrapped as a queue the test reads from with a timeout.
 */

export interface Received<T> {
  /** The next result, or an error after `timeoutMs`. */
  next(timeoutMs?: number): Promise<T>;
  /** The next `n` results. */
  take(n: number, timeoutMs?: number): Promise<T[]>;
  /** Resolves to 'nothing' when no result arrives within `ms`. */
  nothingWithin(ms: number): Promise<'nothing' | T>;
  /** Settles when the server ends the subscription: resolves on completion, rejects on an error. */
  ended: Promise<void>;
  stop(): void;
}

export interface GraphQLResult<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

function queue<T>(start: (push: (value: T) => void, fail: (error: unknown) => void, complete: () => void) => () => void): Received<T> {
  const buffered: T[] = [];
  const waiting: { resolve: (value: T) => void; reject: (error: unknown) => void }[] = [];
  let failure: unknown;
  const push = (value: T) => {
    const waiter = waiting.shift();
    if (waiter) waiter.resolve(value);
    else buffered.push(value);
  };
  const fail = (error: unknown) => {
    failure = error;
    for (const waiter of waiting.splice(0)) waiter.reject(error);
  };
  let complete!: () => void;
  let failEnded!: (error: unknown) => void;
  const ended = new Promise<void>((resolve, reject) => {
    complete = resolve;
    failEnded = reject;
  });
  ended.catch(() => {}); // read only by tests that care
  const stop = start(
    push,
    (error) => {
      fail(error);
      failEnded(error);
    },
    complete,
  );
  const next = (timeoutMs = 5000) =>
    new Promise<T>((resolve, reject) => {
      if (buffered.length > 0) return resolve(buffered.shift()!);
      if (failure !== undefined) return reject(failure);
      const waiter = {
        resolve: (value: T) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        waiting.splice(waiting.indexOf(waiter), 1);
        reject(new Error(`no subscription result within ${timeoutMs} ms`));
      }, timeoutMs);
      waiting.push(waiter);
    });
  return {
    next,
    async take(n, timeoutMs) {
      const results: T[] = [];
      for (let i = 0; i < n; i++) results.push(await next(timeoutMs));
      return results;
    },
    async nothingWithin(ms) {
      try {
        return await next(ms);
      } catch {
        return 'nothing';
      }
    },
    ended,
    stop,
  };
}

export function wsClient(baseUrl: string, options: { connectionParams?: Record<string, unknown>; lazy?: boolean } = {}): Client {
  return createWsClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: options.connectionParams,
    lazy: options.lazy ?? true,
    retryAttempts: 0,
    // Tests look at close codes themselves; the client's default prints the whole CloseEvent.
    onNonLazyError: () => {},
  });
}

export function subscribeWs<T>(client: Client, query: string, variables: Record<string, unknown> = {}): Received<GraphQLResult<T>> {
  return queue((push, fail, complete) =>
    client.subscribe<T>({ query, variables }, { next: (result) => push(result as GraphQLResult<T>), error: fail, complete }),
  );
}

export function subscribeSse<T>(baseUrl: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Received<GraphQLResult<T>> {
  const client = createSseClient({ url: `${baseUrl}/graphql`, headers, retryAttempts: 0 });
  return queue((push, fail, complete) => {
    const unsubscribe = client.subscribe<T>({ query, variables }, { next: (result) => push(result as GraphQLResult<T>), error: fail, complete });
    return () => {
      unsubscribe();
      client.dispose();
    };
  });
}

export const ROOM_PRESENCE = /* GraphQL */ `
  subscription RoomPresence($appId: String, $roomId: String!, $after: String) {
    roomPresence(appId: $appId, roomId: $roomId, after: $after) {
      kind
      memberCount
      cursor
      room { appId roomId roomSeq isOpen memberCount members { edges { node { userAccount sessionId role } } } }
      member { userAccount nickname sessionId role roleCode loginAt room { roomId } }
      logout { reason reasonCode sessionDurationMs }
    }
  }
`;

export interface PresenceChangeResult {
  roomPresence: {
    kind: 'SNAPSHOT' | 'JOINED' | 'LEFT' | 'ROOM_CLOSED';
    memberCount: number;
    cursor: string;
    room: { appId: string; roomId: string; roomSeq: string | null; isOpen: boolean; memberCount: number; members: { edges: { node: { userAccount: string; sessionId: string; role: string } }[] } };
    member: { userAccount: string; nickname: string; sessionId: string; role: string; roleCode: number; loginAt: string; room: { roomId: string } } | null;
    logout: { reason: string; reasonCode: number; sessionDurationMs: number | null } | null;
  };
}
