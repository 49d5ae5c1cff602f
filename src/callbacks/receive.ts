import { createHash } from 'node:crypto';
import type { CallbackAuth } from '../config.js';
import { isDatabaseUnavailable } from '../db/errors.js';
import type { CallbackBody } from './body.js';
import { scalarText } from './body.js';
import { FieldError, isTrackedEvent, parseCommonFields, parseRoomEvent } from './payload.js';
import { isValidSignature } from './signature.js';
import type { RoomEvent } from '../presence/events.js';

/**
 * What `POST /callbacks/zego` decides, independent of the HTTP framework: authenticate, decode,
 * then hand the event to the presence domain. Every refusal happens before anything is written.
 */

export interface CallbackAnswer {
  status: number;
  body: Record<string, unknown>;
  /** For the request log: what was received and what became of it. */
  summary: { event?: string; appId?: string; roomId?: string; outcome: string };
}

export interface CallbackReceiver {
  auth: CallbackAuth;
  timestampToleranceS: number;
  now: () => number;
  /** Applies a tracked event; resolves once it is committed. */
  applyRoomEvent(event: RoomEvent): Promise<{ status: 'applied'; eventId: number } | { status: 'duplicate' }>;
  /** Keeps a signed callback of an untracked type; resolves once it is committed. */
  keepOtherCallback(callback: { appId: string; event: string; dedupKey: string; payloadJson: string }): Promise<void>;
}

const refuse = (status: number, error: string, message: string, summary: CallbackAnswer['summary'], field?: string): CallbackAnswer => ({
  status,
  body: { ok: false, error, message, ...(field === undefined ? {} : { field }) },
  summary,
});

export async function receiveCallback(receiver: CallbackReceiver, body: CallbackBody): Promise<CallbackAnswer> {
  let common;
  try {
    common = parseCommonFields(body.fields);
  } catch (error) {
    if (error instanceof FieldError) return refuse(400, 'invalid_field', error.message, { outcome: 'invalid' }, error.field);
    throw error;
  }
  const summary = { event: common.event, appId: common.appid, outcome: '' };

  const secret = receiver.auth.mode === 'shared' ? receiver.auth.secret : receiver.auth.apps.get(common.appid);
  if (secret === undefined) return refuse(403, 'unknown_app', `appid ${common.appid} is not accepted here`, { ...summary, outcome: 'unknown_app' });

  // The signature covers the timestamp and nonce exactly as sent, bare numbers included.
  const timestampText = scalarText(body.fields.timestamp)!.trim();
  const nonceText = scalarText(body.fields.nonce)!;
  if (common.signature === undefined) {
    return refuse(401, 'missing_signature', 'signature is required', { ...summary, outcome: 'missing_signature' }, 'signature');
  }
  if (!isValidSignature(secret, timestampText, nonceText, common.signature)) {
    return refuse(401, 'bad_signature', 'signature does not match', { ...summary, outcome: 'bad_signature' }, 'signature');
  }
  const skewS = Math.abs(receiver.now() / 1000 - common.timestamp);
  if (receiver.timestampToleranceS > 0 && skewS > receiver.timestampToleranceS) {
    return refuse(
      401,
      'stale_timestamp',
      `timestamp is ${Math.round(skewS)} s from now, outside the allowed ${receiver.timestampToleranceS} s`,
      { ...summary, outcome: 'stale_timestamp' },
      'timestamp',
    );
  }

  if (!isTrackedEvent(common.event)) {
    const stored = await unlessUnavailable(summary, () =>
      receiver.keepOtherCallback({
        appId: common.appid,
        event: common.event,
        dedupKey: otherCallbackKey(body.fields),
        payloadJson: body.payloadJson,
      }),
    );
    if (stored.status === 'unavailable') return stored.answer;
    return { status: 200, body: { ok: true, status: 'ignored' }, summary: { ...summary, outcome: 'ignored' } };
  }

  let event: RoomEvent;
  try {
    event = parseRoomEvent(common.event, common, body.fields, body.payloadJson);
  } catch (error) {
    if (error instanceof FieldError) return refuse(400, 'invalid_field', error.message, { ...summary, outcome: 'invalid' }, error.field);
    throw error;
  }
  const roomSummary = { ...summary, roomId: event.roomId };
  const result = await unlessUnavailable(roomSummary, () => receiver.applyRoomEvent(event));
  if (result.status === 'unavailable') return result.answer;
  const outcome = result.value;
  return outcome.status === 'applied'
    ? { status: 200, body: { ok: true, status: 'applied', eventId: String(outcome.eventId) }, summary: { ...roomSummary, outcome: 'applied' } }
    : { status: 200, body: { ok: true, status: 'duplicate' }, summary: { ...roomSummary, outcome: 'duplicate' } };
}

/** Runs a write; a database that cannot be reached is a 503, so that ZEGO retries later. */
async function unlessUnavailable<T>(
  summary: CallbackAnswer['summary'],
  write: () => Promise<T>,
): Promise<{ status: 'done'; value: T } | { status: 'unavailable'; answer: CallbackAnswer }> {
  try {
    return { status: 'done', value: await write() };
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    return {
      status: 'unavailable',
      answer: refuse(503, 'database_unavailable', 'the database is unavailable; retry later', { ...summary, outcome: 'database_unavailable' }),
    };
  }
}

/** An untracked event has no known content key: its content minus the per-delivery fields stands in. */
function otherCallbackKey(fields: Record<string, unknown>): string {
  const { timestamp: _t, nonce: _n, signature: _s, ...content } = fields;
  const canonical = Object.keys(content)
    .sort()
    .map((key) => [key, scalarText(content[key]) ?? JSON.stringify(content[key])]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}
