import { Repeater } from '@repeaterjs/repeater';
import type { Database } from '../db/client.js';
import { findLogoutsById, type LogoutRecord } from '../db/logout-history.js';

/**
 * New logouts, for every `logoutEvents` subscriber on this instance: each notice's logouts are
 * read once and handed to every subscriber, which keeps those matching its filter. A subscriber
 * that stops reading is cut off once its backlog passes a bound, instead of growing without end.
 */

export interface LogoutFeedOptions {
  /** Logouts that may wait for one subscriber before it is cut off. */
  maxBacklog?: number;
}

export class SubscriberTooSlowError extends Error {
  constructor(backlog: number) {
    super(`subscription cut off: more than ${backlog} logouts were waiting to be read`);
    this.name = 'SubscriberTooSlowError';
  }
}

export class LogoutFeed {
  private readonly subscribers = new Set<(rows: LogoutRecord[]) => void>();
  private delivery: Promise<void> = Promise.resolve();
  private readonly maxBacklog: number;

  constructor(
    private readonly db: Database,
    options: LogoutFeedOptions = {},
  ) {
    this.maxBacklog = options.maxBacklog ?? 1000;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Reads the logouts of a notice and hands them out; notices are handled one after another, keeping commit order. */
  onLogouts(ids: number[]): void {
    if (ids.length === 0 || this.subscribers.size === 0) return;
    this.delivery = this.delivery
      .then(() => findLogoutsById(this.db, ids))
      .then(
        (rows) => {
          rows.sort((a, b) => a.id - b.id);
          for (const deliver of this.subscribers) deliver(rows);
        },
        // A failed read loses only this notice's live delivery; the logouts stay in the history.
        () => {},
      );
  }

  /** Logouts committed from now on that satisfy `matches`, until the consumer returns. */
  follow(matches: (row: LogoutRecord) => boolean): AsyncIterableIterator<LogoutRecord> {
    return new Repeater<LogoutRecord>(async (push, stop) => {
      const backlog: LogoutRecord[] = [];
      let wake: (() => void) | undefined;
      const deliver = (rows: LogoutRecord[]) => {
        for (const row of rows) if (matches(row)) backlog.push(row);
        if (backlog.length > this.maxBacklog) stop(new SubscriberTooSlowError(this.maxBacklog));
        wake?.();
      };
      this.subscribers.add(deliver);
      let stopped = false;
      void stop.then(() => {
        stopped = true;
        wake?.();
      });
      try {
        while (!stopped) {
          const next = backlog.shift();
          if (next) await push(next);
          else await new Promise<void>((resolve) => (wake = resolve));
        }
      } finally {
        this.subscribers.delete(deliver);
      }
    });
  }
}
