import { z } from 'zod';
import type { RoomEvent } from '../presence/events.js';
import { ROOM_EVENT_TYPES } from '../presence/events.js';
import { scalarText } from './body.js';

/**
 * Decoding ZEGO's fields. Every numeric field may be a string or a bare JSON number; the body
 * parser hands bare numbers over as their exact text, so both arrive here as decimal text.
 */

export class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'FieldError';
  }
}

const UINT64_MAX = (1n << 64n) - 1n;
const UINT32_MAX = (1n << 32n) - 1n;
// ZEGO's own limits are 128 bytes for room ids and 64 for user ids; these leave room for growth
// while keeping a hostile body from filling the tables.
const MAX_ID_LENGTH = 256;
const MAX_NAME_LENGTH = 1024;
// Latest instant a JavaScript Date can hold.
const MAX_EPOCH_MS = 8_640_000_000_000_000;

const decimalText = z.unknown().transform((value, ctx) => {
  const text = scalarText(value)?.trim();
  if (text === undefined || !/^\d{1,30}$/.test(text)) {
    ctx.addIssue({ code: 'custom', message: 'must be an unsigned integer, as a string or a number' });
    return z.NEVER;
  }
  return BigInt(text);
});

const unsigned = (max: bigint, what: string) =>
  decimalText.refine((n) => n <= max, `must fit in ${what}`).transform((n) => n.toString());

const uint64 = unsigned(UINT64_MAX, 'an unsigned 64-bit integer');
const uint32 = unsigned(UINT32_MAX, 'an unsigned 32-bit integer');
const epochMs = decimalText
  .refine((n) => n > 0n && n <= BigInt(MAX_EPOCH_MS), 'must be a Unix time in milliseconds')
  .transform(Number);
const epochS = decimalText
  .refine((n) => n > 0n && n <= BigInt(MAX_EPOCH_MS / 1000), 'must be a Unix time in seconds')
  .transform(Number);

/** ZEGO's small integer codes (role, reason, level); unknown values are kept, not rejected. */
const code = z.unknown().transform((value, ctx) => {
  const text = scalarText(value)?.trim();
  if (text === undefined || !/^-?\d{1,10}$/.test(text) || Math.abs(Number(text)) > 2 ** 31 - 1) {
    ctx.addIssue({ code: 'custom', message: 'must be an integer code' });
    return z.NEVER;
  }
  return Number(text);
});

const flag = code.refine((n) => n === 0 || n === 1, 'must be 0 or 1').transform((n) => n === 1);

const text = (max: number) =>
  z.unknown().transform((value, ctx) => {
    const s = scalarText(value);
    if (s === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be a string' });
      return z.NEVER;
    }
    if (s.length > max) {
      ctx.addIssue({ code: 'custom', message: `must be at most ${max} characters` });
      return z.NEVER;
    }
    return s;
  });

const id = text(MAX_ID_LENGTH).refine((s) => s.length > 0, 'must not be empty');

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === undefined || value === null || value === '' ? undefined : value), schema.optional());

/** The fields every callback carries, checked before the signature. A missing signature is a 401, not a 400. */
export const commonFieldsSchema = z.object({
  event: text(64).refine((s) => s.length > 0, 'must not be empty'),
  appid: uint32,
  timestamp: epochS,
  nonce: text(128).refine((s) => s.length > 0, 'must not be empty'),
  signature: optional(text(128)),
});
export type CommonFields = z.output<typeof commonFieldsSchema>;

const loginSchema = z.object({
  room_id: id,
  room_seq: uint64,
  user_account: id,
  user_nickname: optional(text(MAX_NAME_LENGTH)),
  session_id: uint64,
  login_time: epochMs,
  user_role: optional(code),
  room_name: optional(text(MAX_NAME_LENGTH)),
  auth_level: optional(code),
  relogin: optional(flag),
  user_update_seq: optional(uint64),
  callback_data: optional(text(MAX_NAME_LENGTH * 8)),
});

const logoutSchema = z.object({
  room_id: id,
  room_seq: uint64,
  user_account: id,
  user_nickname: optional(text(MAX_NAME_LENGTH)),
  session_id: uint64,
  login_time: optional(epochMs),
  logout_time: epochMs,
  reason: code,
  user_role: optional(code),
  user_update_seq: optional(uint64),
});

const createSchema = z.object({
  room_id: id,
  room_session_id: uint64,
  room_create_time: epochMs,
  id_name: optional(text(MAX_ID_LENGTH)),
});

const closeSchema = z.object({
  room_id: id,
  room_session_id: uint64,
  room_close_time: epochMs,
  close_reason: optional(code),
});

export function isTrackedEvent(event: string): event is RoomEvent['type'] {
  return (ROOM_EVENT_TYPES as readonly string[]).includes(event);
}

export function parseCommonFields(fields: Record<string, unknown>): CommonFields {
  return parseWith(commonFieldsSchema, fields);
}

/** Decodes the event-specific fields of a tracked event (the common ones are already checked). */
export function parseRoomEvent(
  type: RoomEvent['type'],
  common: CommonFields,
  fields: Record<string, unknown>,
  payloadJson: string,
): RoomEvent {
  const base = { appId: common.appid, sentAt: common.timestamp * 1000, payloadJson };
  switch (type) {
    case 'room_login': {
      const f = parseWith(loginSchema, fields);
      return {
        ...base,
        type,
        roomId: f.room_id,
        roomSeq: f.room_seq,
        userAccount: f.user_account,
        nickname: f.user_nickname ?? '',
        sessionId: f.session_id,
        roleCode: f.user_role ?? 0,
        loginAt: f.login_time,
        roomName: f.room_name ?? null,
        authLevel: f.auth_level ?? null,
        relogin: f.relogin ?? null,
        userUpdateSeq: f.user_update_seq ?? null,
        callbackData: f.callback_data ?? null,
      };
    }
    case 'room_logout': {
      const f = parseWith(logoutSchema, fields);
      if (f.login_time !== undefined && f.login_time > f.logout_time) {
        throw new FieldError('login_time', 'must not be later than logout_time');
      }
      return {
        ...base,
        type,
        roomId: f.room_id,
        roomSeq: f.room_seq,
        userAccount: f.user_account,
        nickname: f.user_nickname ?? '',
        sessionId: f.session_id,
        roleCode: f.user_role ?? null,
        loginAt: f.login_time ?? null,
        logoutAt: f.logout_time,
        reasonCode: f.reason,
        userUpdateSeq: f.user_update_seq ?? null,
      };
    }
    case 'room_create': {
      const f = parseWith(createSchema, fields);
      return {
        ...base,
        type,
        roomId: f.room_id,
        roomSeq: f.room_session_id,
        createdAt: f.room_create_time,
        createdBy: f.id_name ?? null,
      };
    }
    case 'room_close': {
      const f = parseWith(closeSchema, fields);
      return {
        ...base,
        type,
        roomId: f.room_id,
        roomSeq: f.room_session_id,
        closedAt: f.room_close_time,
        closeReason: f.close_reason ?? null,
      };
    }
  }
}

function parseWith<T extends z.ZodType>(schema: T, fields: Record<string, unknown>): z.output<T> {
  const result = schema.safeParse(fields);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = String(issue.path[0] ?? 'body');
  const missing = fields[field] === undefined || fields[field] === null;
  throw new FieldError(field, missing ? 'is required' : issue.message);
}
