import { LosslessNumber, stringify } from 'lossless-json';
import { zegoSignature } from '../../src/callbacks/signature.js';

/** Factories for ZEGO callbacks as ZEGO sends them: every value a string unless asked otherwise. */

export const TEST_SECRET = 'test-secret';

export type Fields = Record<string, string>;

let nonceCounter = 0;

export function signed(fields: Fields, options: { secret?: string; timestamp?: number; nonce?: string } = {}): Fields {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = options.nonce ?? String(100000 + (nonceCounter++ % 900000));
  return {
    ...fields,
    timestamp,
    nonce,
    signature: zegoSignature(options.secret ?? TEST_SECRET, timestamp, nonce),
  };
}

interface RoomRef {
  appId?: string;
  roomId?: string;
  seq?: string;
}

interface UserRef extends RoomRef {
  user?: string;
  nickname?: string;
  session?: string;
  role?: number;
  updateSeq?: number;
}

export function loginEvent(o: UserRef & { at: number; relogin?: boolean; roomName?: string }): Fields {
  return {
    event: 'room_login',
    appid: o.appId ?? '1',
    room_id: o.roomId ?? 'rid_1242649',
    room_name: o.roomName ?? 'room#123',
    room_seq: o.seq ?? '6085791336856668982',
    user_account: o.user ?? '888120154',
    user_nickname: o.nickname ?? o.user ?? '888120154',
    session_id: o.session ?? '792148503087288320',
    login_time: String(o.at),
    user_role: String(o.role ?? 2),
    auth_level: '4',
    relogin: o.relogin ? '1' : '0',
    ...(o.updateSeq === undefined ? {} : { user_update_seq: String(o.updateSeq) }),
    callback_data: 'user login',
  };
}

export function logoutEvent(o: UserRef & { loginAt: number; at: number; reason?: number }): Fields {
  return {
    event: 'room_logout',
    appid: o.appId ?? '1',
    room_id: o.roomId ?? 'rid_1242649',
    room_seq: o.seq ?? '6085791336856668982',
    user_account: o.user ?? '888120154',
    user_nickname: o.nickname ?? o.user ?? '888120154',
    session_id: o.session ?? '792148503087288320',
    login_time: String(o.loginAt),
    logout_time: String(o.at),
    reason: String(o.reason ?? 0),
    user_role: String(o.role ?? 2),
    ...(o.updateSeq === undefined ? {} : { user_update_seq: String(o.updateSeq) }),
  };
}

/** ZEGO's older logout callback: no login_time, no user_update_seq, session "0". */
export function legacyLogoutEvent(o: RoomRef & { user?: string; at: number; reason?: number }): Fields {
  return {
    event: 'room_logout',
    appid: o.appId ?? '1',
    room_id: o.roomId ?? 'rid_1242649',
    room_seq: o.seq ?? '6085791336856668982',
    user_account: o.user ?? '888120154',
    user_nickname: o.user ?? '888120154',
    session_id: '0',
    logout_time: String(o.at),
    reason: String(o.reason ?? 0),
  };
}

export function createEvent(o: RoomRef & { at: number; by?: string }): Fields {
  return {
    event: 'room_create',
    appid: o.appId ?? '1',
    room_id: o.roomId ?? 'rid_1242649',
    room_session_id: o.seq ?? '6085791336856668982',
    room_create_time: String(o.at),
    id_name: o.by ?? 'creator',
  };
}

export function closeEvent(o: RoomRef & { at: number; reason?: number }): Fields {
  return {
    event: 'room_close',
    appid: o.appId ?? '1',
    room_id: o.roomId ?? 'rid_1242649',
    room_session_id: o.seq ?? '6085791336856668982',
    room_close_time: String(o.at),
    close_reason: String(o.reason ?? 0),
  };
}

/** JSON text with the named fields as bare numbers, as some ZEGO payloads send them. */
export function jsonWithBareNumbers(fields: Fields, bare: string[]): string {
  const value: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(fields)) value[key] = bare.includes(key) ? new LosslessNumber(v) : v;
  return stringify(value)!;
}

export type BodyFormat = 'json' | 'form';

export interface CallbackResponse {
  status: number;
  body: { ok: boolean; status?: string; eventId?: string; error?: string; message?: string; field?: string };
}

export async function postCallback(
  baseUrl: string,
  body: Fields | string,
  options: { format?: BodyFormat; contentType?: string } = {},
): Promise<CallbackResponse> {
  const format = options.format ?? 'json';
  const text = typeof body === 'string' ? body : format === 'json' ? JSON.stringify(body) : new URLSearchParams(body).toString();
  const contentType = options.contentType ?? (format === 'json' ? 'application/json' : 'application/x-www-form-urlencoded');
  const response = await fetch(`${baseUrl}/callbacks/zego`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: text,
  });
  return { status: response.status, body: (await response.json()) as CallbackResponse['body'] };
}

/** The domain event of a callback, decoded as the route decodes it (for tests that apply events directly). */
export async function toRoomEvent(fields: Fields) {
  const { parseCommonFields, parseRoomEvent } = await import('../../src/callbacks/payload.js');
  const all = signed(fields);
  return parseRoomEvent(all.event as 'room_login', parseCommonFields(all), all, JSON.stringify(all));
}

/** Posts every callback, `concurrency` at a time, and fails unless each one is applied. */
export async function postAll(baseUrl: string, callbacks: Fields[], options: { concurrency?: number } = {}): Promise<void> {
  const queue = [...callbacks];
  const worker = async () => {
    for (let fields = queue.shift(); fields !== undefined; fields = queue.shift()) {
      const response = await postCallback(baseUrl, signed(fields));
      if (response.status !== 200 || response.body.status !== 'applied') {
        throw new Error(`callback ${fields.event} ${fields.user_account ?? ''} answered ${response.status} ${JSON.stringify(response.body)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
}
