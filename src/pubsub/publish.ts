import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/client.js';
import type { AppliedEvent } from '../presence/apply.js';
import { encodeNotice, NOTICE_CHANNEL, type CommitNotice } from './notices.js';

/** What subscribers must hear about an applied event. */
export function noticeOf(outcome: AppliedEvent): CommitNotice {
  const last = outcome.changes.at(-1);
  return {
    rooms: last ? [{ appId: outcome.room.appId, roomId: outcome.room.roomId, version: last.version }] : [],
    logoutEventIds: outcome.event.type === 'room_logout' ? [outcome.eventId] : [],
  };
}

/**
 * Sends the notice inside the writing transaction: PostgreSQL delivers it on COMMIT and drops it
 * on ROLLBACK, to every instance listening on the same database, so subscribers never hear of a
 * write that did not happen.
 */
export async function publishNotice(tx: Queryable, notice: CommitNotice): Promise<void> {
  for (const payload of encodeNotice(notice)) {
    await tx.execute(sql`select pg_notify(${NOTICE_CHANNEL}, ${payload})`);
  }
}
