import type { Database } from '../db/client.js';
import { insertOtherCallback } from '../db/room-events.js';
import { applyRoomEvent, type ApplyOutcome } from './apply.js';
import type { RoomEvent } from './events.js';

/** Told about every committed event, after its transaction has committed (never for a rolled-back one). */
export type CommittedListener = (outcome: Extract<ApplyOutcome, { status: 'applied' }>) => void;

export interface Presence {
  ingest(event: RoomEvent): Promise<ApplyOutcome>;
  keepOtherCallback(callback: { appId: string; event: string; dedupKey: string; payloadJson: string }): Promise<void>;
}

export function createPresence(db: Database, onCommitted: CommittedListener = () => {}): Presence {
  return {
    async ingest(event) {
      const outcome = await applyRoomEvent(db, event);
      if (outcome.status === 'applied') onCommitted(outcome);
      return outcome;
    },
    async keepOtherCallback(callback) {
      await insertOtherCallback(db, callback);
    },
  };
}
