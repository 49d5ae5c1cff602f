/**
 * What a committed write tells subscribers: which rooms reached which presence version, and which
 * logout events were stored. Notices are wake-up calls, not the data: subscribers read the changes
 * from the database by version, so a lost or repeated notice costs latency, never correctness.
 */

export interface RoomVersionNotice {
  appId: string;
  roomId: string;
  version: number;
}

export interface CommitNotice {
  rooms: RoomVersionNotice[];
  logoutEventIds: number[];
}

/** The LISTEN/NOTIFY channel every instance of the service shares. */
export const NOTICE_CHANNEL = 'zego_presence';

// PostgreSQL refuses NOTIFY payloads of 8,000 bytes or more; leave room for multi-byte characters.
const MAX_PAYLOAD_BYTES = 7_000;

type WireNotice = { r?: [string, string, number][]; l?: number[] };

/** Encodes a notice as one or more NOTIFY payloads, each under PostgreSQL's size limit. */
export function encodeNotice(notice: CommitNotice): string[] {
  const payloads: string[] = [];
  let current: WireNotice = {};
  let size = 2;
  const flush = () => {
    if (current.r || current.l) payloads.push(JSON.stringify(current));
    current = {};
    size = 2;
  };
  const add = (cost: number, put: () => void) => {
    if (size + cost > MAX_PAYLOAD_BYTES) flush();
    put();
    size += cost;
  };
  for (const room of notice.rooms) {
    const entry: [string, string, number] = [room.appId, room.roomId, room.version];
    add(Buffer.byteLength(JSON.stringify(entry)) + 8, () => (current.r ??= []).push(entry));
  }
  for (const id of notice.logoutEventIds) add(String(id).length + 8, () => (current.l ??= []).push(id));
  flush();
  return payloads;
}

export function decodeNotice(payload: string): CommitNotice | undefined {
  try {
    const wire = JSON.parse(payload) as WireNotice;
    return {
      rooms: (wire.r ?? []).map(([appId, roomId, version]) => ({ appId, roomId, version })),
      logoutEventIds: wire.l ?? [],
    };
  } catch {
    return undefined;
  }
}
