import type { Database } from '../db/client.js';
import { isDatabaseUnavailable } from '../db/errors.js';
import { insertOtherCallback } from '../db/room-events.js';
import { applyRoomEvents, type AppliedEvent, type ApplyOutcome } from './apply.js';
import type { RoomEvent } from './events.js';

export interface Presence {
  /** Applies the event; resolves once it is committed. */
  ingest(event: RoomEvent): Promise<ApplyOutcome>;
  keepOtherCallback(callback: { appId: string; event: string; dedupKey: string; payloadJson: string }): Promise<void>;
  /** Resolves when every event handed in so far has been committed or refused. */
  drain(): Promise<void>;
}

export interface PresenceOptions {
  /** Told of every committed event, after the commit. */
  onCommitted?: (applied: AppliedEvent[]) => void;
  /** Events committed together at most. */
  maxBatch?: number;
  /**
   * Transactions in flight at once. Two keep the database busy while a batch's answer travels
   * back; more only split the same callbacks into smaller batches, and a batch costs its round
   * trips whatever its size (measured: `npm run bench -- --only ingest`, BENCHMARKS.md).
   */
  concurrency?: number;
}

interface Pending {
  event: RoomEvent;
  resolve: (outcome: ApplyOutcome) => void;
  reject: (error: unknown) => void;
}

// Deadlock (two batches creating each other's rooms) and serialization failures: safe to run again.
const RETRYABLE = new Set(['40P01', '40001']);
const isRetryable = (error: unknown): boolean => {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) {
    if (RETRYABLE.has(String((e as { code?: unknown }).code))) return true;
  }
  return false;
};

/**
 * The write side of the domain, with group commit: callbacks that arrive while transactions are
 * in flight wait and are then committed together, one transaction for many events. Under light
 * load every event gets its own transaction at once; under heavy load the commits (and their
 * WAL flushes) are shared. A batch that fails for any reason but the database's unavailability is
 * re-run one event per transaction, so a bad event fails alone.
 */
export function createPresence(db: Database, options: PresenceOptions = {}): Presence {
  const maxBatch = options.maxBatch ?? 64;
  const concurrency = options.concurrency ?? 2;
  const onCommitted = options.onCommitted ?? (() => {});
  const queue: Pending[] = [];
  let inFlight = 0;
  let idle: (() => void)[] = [];

  const apply = async (events: RoomEvent[]): Promise<ApplyOutcome[]> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await applyRoomEvents(db, events);
      } catch (error) {
        if (attempt >= 3 || !isRetryable(error)) throw error;
      }
    }
  };

  const settle = (batch: Pending[], outcomes: ApplyOutcome[]) => {
    const applied = outcomes.filter((o): o is AppliedEvent => o.status === 'applied');
    if (applied.length > 0) onCommitted(applied);
    batch.forEach((pending, i) => pending.resolve(outcomes[i]!));
  };

  const run = async (batch: Pending[]) => {
    try {
      settle(batch, await apply(batch.map((p) => p.event)));
    } catch (error) {
      if (batch.length === 1 || isDatabaseUnavailable(error)) {
        for (const pending of batch) pending.reject(error);
        return;
      }
      for (const pending of batch) {
        try {
          settle([pending], await apply([pending.event]));
        } catch (single) {
          pending.reject(single);
        }
      }
    }
  };

  const pump = () => {
    while (inFlight < concurrency && queue.length > 0) {
      const batch = queue.splice(0, maxBatch);
      inFlight += 1;
      void run(batch).finally(() => {
        inFlight -= 1;
        pump();
        if (inFlight === 0 && queue.length === 0) {
          for (const resolve of idle) resolve();
          idle = [];
        }
      });
    }
  };

  return {
    ingest: (event) =>
      new Promise<ApplyOutcome>((resolve, reject) => {
        queue.push({ event, resolve, reject });
        pump();
      }),
    async keepOtherCallback(callback) {
      await insertOtherCallback(db, callback);
    },
    drain: () => (inFlight === 0 && queue.length === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve))),
  };
}
