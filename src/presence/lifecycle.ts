/**
 * Which room lifecycle (`room_seq`) an event belongs to, relative to the room's current one.
 * A room_seq is an id, not a counter, but lifecycles of a room never overlap in time: an event
 * later than everything seen of the current lifecycle starts a newer one, and an event of a
 * lifecycle already seen and replaced can never make it current again.
 */

export interface LifecycleTimes {
  roomSeq: string;
  lastEventAt: number;
  closedAt: number | null;
}

export type LifecycleRole = 'current' | 'newer' | 'older';

export function classifyLifecycle(
  current: LifecycleTimes | undefined,
  eventSeqIsKnown: boolean,
  roomSeq: string,
  eventAt: number,
): LifecycleRole {
  if (current === undefined) return 'newer';
  if (roomSeq === current.roomSeq) return 'current';
  if (eventSeqIsKnown) return 'older';
  if (eventAt > current.lastEventAt) return 'newer';
  // A new lifecycle may begin in the very millisecond the previous one was closed.
  if (eventAt === current.lastEventAt && current.closedAt !== null) return 'newer';
  return 'older';
}

export interface LifecycleRecord extends LifecycleTimes {
  roomName: string | null;
  createdAt: number | null;
  createdBy: string | null;
  closeReason: number | null;
  supersededAt: number | null;
  firstEventAt: number;
  maxUpdateSeq: string | null;
}

export type LifecycleFact =
  | { kind: 'user'; eventAt: number; roomName: string | null; updateSeq: string | null }
  | { kind: 'create'; eventAt: number; createdBy: string | null }
  | { kind: 'close'; eventAt: number; closeReason: number | null };

/** The lifecycle after one more of its events; every field is a min, max or first-known value, so order does not matter. */
export function mergeLifecycleFact(existing: LifecycleRecord | undefined, roomSeq: string, fact: LifecycleFact): LifecycleRecord {
  const base: LifecycleRecord = existing ?? {
    roomSeq,
    roomName: null,
    createdAt: null,
    createdBy: null,
    closedAt: null,
    closeReason: null,
    supersededAt: null,
    firstEventAt: fact.eventAt,
    lastEventAt: fact.eventAt,
    maxUpdateSeq: null,
  };
  const next: LifecycleRecord = {
    ...base,
    firstEventAt: Math.min(base.firstEventAt, fact.eventAt),
    lastEventAt: Math.max(base.lastEventAt, fact.eventAt),
  };
  switch (fact.kind) {
    case 'user':
      next.roomName = base.roomName ?? fact.roomName;
      if (fact.updateSeq !== null && (base.maxUpdateSeq === null || BigInt(fact.updateSeq) > BigInt(base.maxUpdateSeq))) {
        next.maxUpdateSeq = fact.updateSeq;
      }
      break;
    case 'create':
      if (base.createdAt === null || fact.eventAt < base.createdAt) {
        next.createdAt = fact.eventAt;
        next.createdBy = fact.createdBy;
      }
      break;
    case 'close':
      if (base.closedAt === null || fact.eventAt < base.closedAt) {
        next.closedAt = fact.eventAt;
        next.closeReason = fact.closeReason;
      }
      break;
  }
  return next;
}

/**
 * How an event's user_update_seq relates to those seen before in its lifecycle: below the highest
 * it arrived late (a reorder absorbed); above it by more than one, the numbers between are missing.
 */
export function updateSeqArrival(before: LifecycleRecord | undefined, updateSeq: string | null): { late: boolean; missing: number } {
  if (updateSeq === null || before?.maxUpdateSeq == null) return { late: false, missing: 0 };
  const gap = BigInt(updateSeq) - BigInt(before.maxUpdateSeq);
  return { late: gap < 0n, missing: gap > 1n ? Number(gap - 1n) : 0 };
}
