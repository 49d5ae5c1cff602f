/**
 * ZEGO room events after decoding: ids as exact decimal strings, times as epoch milliseconds.
 * This is the domain's input; how it arrived (JSON, form, signature) is the callbacks layer's business.
 */

interface RoomEventBase {
  appId: string;
  roomId: string;
  /** The room lifecycle (`room_seq`, or `room_session_id` on create/close). */
  roomSeq: string;
  /** The callback's signed `timestamp`, in milliseconds. */
  sentAt: number;
  /** The payload as received, as JSON text with every number exact. */
  payloadJson: string;
}

export interface RoomLogin extends RoomEventBase {
  type: 'room_login';
  userAccount: string;
  nickname: string;
  sessionId: string;
  roleCode: number;
  loginAt: number;
  roomName: string | null;
  authLevel: number | null;
  relogin: boolean | null;
  userUpdateSeq: string | null;
  callbackData: string | null;
}

export interface RoomLogout extends RoomEventBase {
  type: 'room_logout';
  userAccount: string;
  nickname: string;
  /** "0" in the legacy callback, which names no session. */
  sessionId: string;
  /** Null when the sender omitted it (legacy callback): then taken from the user's stored login. */
  roleCode: number | null;
  /** Null in the legacy callback. */
  loginAt: number | null;
  logoutAt: number;
  reasonCode: number;
  userUpdateSeq: string | null;
}

export interface RoomCreate extends RoomEventBase {
  type: 'room_create';
  createdAt: number;
  createdBy: string | null;
}

export interface RoomClose extends RoomEventBase {
  type: 'room_close';
  closedAt: number;
  closeReason: number | null;
}

export type RoomEvent = RoomLogin | RoomLogout | RoomCreate | RoomClose;
export type RoomEventType = RoomEvent['type'];

export const ROOM_EVENT_TYPES: readonly RoomEventType[] = ['room_create', 'room_login', 'room_logout', 'room_close'];

/** The session id ZEGO's legacy logout callback sends in place of a real one. */
export const NO_SESSION = '0';

/** The event's own time, which orders it against other events of its room. */
export function eventTime(event: RoomEvent): number {
  switch (event.type) {
    case 'room_login':
      return event.loginAt;
    case 'room_logout':
      return event.logoutAt;
    case 'room_create':
      return event.createdAt;
    case 'room_close':
      return event.closedAt;
  }
}

/**
 * The idempotency key: built from the event's content, never from the nonce, timestamp or
 * signature, which a retry may or may not repeat. A legacy logout carries no session and no
 * update sequence, so its user and logout time keep two of them apart.
 */
export function dedupKey(event: RoomEvent): string {
  switch (event.type) {
    case 'room_login':
      return ['login', event.roomSeq, event.userAccount, event.sessionId, event.loginAt, event.userUpdateSeq ?? ''].join('|');
    case 'room_logout':
      return ['logout', event.roomSeq, event.userAccount, event.sessionId, event.logoutAt, event.userUpdateSeq ?? ''].join('|');
    case 'room_create':
      return ['create', event.roomSeq].join('|');
    case 'room_close':
      return ['close', event.roomSeq].join('|');
  }
}
