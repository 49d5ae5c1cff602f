import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stopChild } from './service.js';
import type { Delivery, WorkerReply, WorkerRequest } from './subscriber-protocol.js';

/**
 * Many roomPresence subscribers, each on its own WebSocket, spread over client processes so that
 * the clients' own event loops do not become what is measured. A room's subscribers are dealt
 * across the processes, as a room's viewers would sit on different machines.
 */
export interface SubscriberFleet {
  size: number;
  /** Rooms by subscriber index, for counting what each subscriber should have received. */
  roomOf: readonly string[];
  /** Changes received so far (SNAPSHOTs excluded), and anything that went wrong. */
  count(): Promise<{ received: number; problems: string[] }>;
  /** Every change received since the last drain. */
  drain(): Promise<Delivery[]>;
  stop(): Promise<void>;
}

export interface FleetOptions {
  /** The service's http:// origin. */
  url: string;
  appId: string;
  rooms: readonly string[];
  perRoom: number;
  workers: number;
  /** Connections each process has opening at once. */
  concurrency?: number;
}

type RequestBody = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

const workerFile = fileURLToPath(new URL('./subscriber-worker.ts', import.meta.url));

class Worker {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void }>();
  private exit: Error | null = null;

  constructor(readonly child: ChildProcess) {
    child.on('message', (reply: WorkerReply) => {
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.type === 'failed') waiter?.reject(new Error(`subscriber process: ${reply.message}`));
      else waiter?.resolve(reply);
    });
    child.on('exit', (code, signal) => {
      this.exit = new Error(`a subscriber process exited (${signal ?? code})`);
      for (const waiter of this.pending.values()) waiter.reject(this.exit);
      this.pending.clear();
    });
  }

  ask<T extends WorkerReply['type']>(request: RequestBody, _expects: T): Promise<Extract<WorkerReply, { type: T }>> {
    if (this.exit) return Promise.reject(this.exit);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (reply: WorkerReply) => void, reject });
      this.child.send({ ...request, id } as WorkerRequest);
    });
  }
}

/** Opens every subscription and resolves once each has received its SNAPSHOT; fails if any could not. */
export async function openSubscriberFleet(options: FleetOptions): Promise<SubscriberFleet> {
  const roomOf = options.rooms.flatMap((roomId) => Array.from({ length: options.perRoom }, () => roomId));
  const workers = Array.from({ length: options.workers }, () => {
    const child = fork(workerFile, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Worker(child);
  });
  const fleet: SubscriberFleet = {
    size: roomOf.length,
    roomOf,
    async count() {
      const replies = await Promise.all(workers.map((w) => w.ask({ type: 'count' }, 'count')));
      return { received: replies.reduce((sum, r) => sum + r.received, 0), problems: replies.flatMap((r) => r.problems) };
    },
    async drain() {
      const replies = await Promise.all(workers.map((w) => w.ask({ type: 'drain' }, 'drained')));
      return replies.flatMap((r) => r.deliveries);
    },
    async stop() {
      // Closing thousands of sockets one by one is slower than letting each process exit.
      await Promise.all(workers.map((w) => stopChild(w.child)));
    },
  };
  try {
    const url = `${options.url.replace(/^http/, 'ws')}/graphql`;
    const replies = await Promise.all(
      workers.map((worker, w) =>
        worker.ask(
          {
            type: 'open',
            url,
            appId: options.appId,
            concurrency: options.concurrency ?? 64,
            subscriptions: roomOf.flatMap((roomId, subscriber) => (subscriber % options.workers === w ? [{ subscriber, roomId }] : [])),
          },
          'opened',
        ),
      ),
    );
    const problems = replies.flatMap((r) => r.problems);
    if (problems.length > 0) throw new Error(`the subscriber fleet could not open:\n${problems.join('\n')}`);
    return fleet;
  } catch (error) {
    await fleet.stop();
    throw error;
  }
}
