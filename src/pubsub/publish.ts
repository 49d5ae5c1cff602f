import type { AppliedEvent } from '../presence/apply.js';
import type { CommitNotice } from './notices.js';

/** What subscribers must hear of a committed batch: each room's newest version, and the new logouts. */
export function noticeOf(applied: AppliedEvent[]): CommitNotice {
  const rooms = new Map<number, { appId: string; roomId: string; version: number }>();
  const logoutEventIds: number[] = [];
  for (const outcome of applied) {
    const last = outcome.changes.at(-1);
    if (last) {
      const known = rooms.get(outcome.room.pk);
      if (!known || known.version < last.version) rooms.set(outcome.room.pk, { appId: outcome.room.appId, roomId: outcome.room.roomId, version: last.version });
    }
    if (outcome.event.type === 'room_logout') logoutEventIds.push(outcome.eventId);
  }
  return { rooms: [...rooms.values()], logoutEventIds };
}
