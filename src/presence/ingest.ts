import type { Database } from '../db/client.js';
import { insertOtherCallback } from '../db/room-events.js';
import { applyRoomEvent, type ApplyOutcome, type BeforeCommit } from './apply.js';
import type { RoomEvent } from './events.js';

export interface Presence {
  /** Applies the event; resolves once it is committed. */
  ingest(event: RoomEvent): Promise<ApplyOutcome>;
  keepOtherCallback(callback: { appId: string; event: string; dedupKey: string; payloadJson: string }): Promise<void>;
}

/** The write side of the domain; `beforeCommit` is how a write reaches subscribers, atomically with it. */
export function createPresence(db: Database, beforeCommit?: BeforeCommit): Presence {
  return {
    ingest: (event) => applyRoomEvent(db, event, beforeCommit),
    async keepOtherCallback(callback) {
      await insertOtherCallback(db, callback);
    },
  };
}
