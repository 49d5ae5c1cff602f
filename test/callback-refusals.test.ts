import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets, type TestDatabase } from './support/databases.js';
import { tableCounts } from './support/rows.js';
import { startService, type TestService } from './support/service.js';
import { loginEvent, logoutEvent, postCallback, signed, TEST_SECRET, type Fields } from './support/zego.js';
import { zegoSignature } from '../src/callbacks/signature.js';

const now = () => Math.floor(Date.now() / 1000);
const validLogin = () => signed(loginEvent({ appId: '7', roomId: 'refusals', at: 1_700_000_000_000, updateSeq: 1 }));
const without = (fields: Fields, key: string) => Object.fromEntries(Object.entries(fields).filter(([k]) => k !== key));

interface Refusal {
  name: string;
  body: () => Fields | string | Buffer;
  contentType?: string;
  status: number;
  message: RegExp;
  field?: string;
}

const refusals: Refusal[] = [
  { name: 'malformed JSON', body: () => '{"event":"room_login",', status: 400, message: /not valid JSON/ },
  { name: 'a JSON array', body: () => JSON.stringify([validLogin()]), status: 400, message: /JSON object/ },
  { name: 'an empty body', body: () => '', status: 400, message: /empty/ },
  { name: 'invalid UTF-8', body: () => Buffer.concat([Buffer.from('{"event":"room_login","room_id":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]), status: 400, message: /UTF-8/ },
  { name: 'a NUL character in a field', body: () => ({ ...validLogin(), user_account: 'a\u0000b' }), status: 400, message: /user_account.*NUL/ },
  { name: 'nesting 1,000 levels deep', body: () => JSON.stringify({ ...validLogin() }).replace(/}$/, `,"x":${'['.repeat(1000)}${']'.repeat(1000)}}`), status: 400, message: /nests deeper/ },
  { name: 'a missing event', body: () => without(validLogin(), 'event'), status: 400, message: /^event: is required/, field: 'event' },
  { name: 'a missing appid', body: () => without(validLogin(), 'appid'), status: 400, message: /^appid: is required/, field: 'appid' },
  { name: 'an appid above uint32', body: () => ({ ...validLogin(), appid: '4294967296' }), status: 400, message: /^appid: must fit/, field: 'appid' },
  { name: 'a timestamp that is no number', body: () => ({ ...validLogin(), timestamp: 'yesterday' }), status: 400, message: /^timestamp: must be/, field: 'timestamp' },
  { name: 'a missing room_id', body: () => without(validLogin(), 'room_id'), status: 400, message: /^room_id: is required/, field: 'room_id' },
  { name: 'a room_seq that is no integer', body: () => ({ ...validLogin(), room_seq: '12ab' }), status: 400, message: /^room_seq: must be an unsigned integer/, field: 'room_seq' },
  { name: 'a room_seq above 2^64-1', body: () => ({ ...validLogin(), room_seq: '18446744073709551616' }), status: 400, message: /^room_seq: must fit in an unsigned 64-bit integer/, field: 'room_seq' },
  { name: 'a negative session_id', body: () => ({ ...validLogin(), session_id: '-5' }), status: 400, message: /^session_id:/, field: 'session_id' },
  { name: 'a login_time in a float', body: () => ({ ...validLogin(), login_time: '1.5' }), status: 400, message: /^login_time:/, field: 'login_time' },
  { name: 'a user_role that is no integer', body: () => ({ ...validLogin(), user_role: 'host' }), status: 400, message: /^user_role: must be an integer code/, field: 'user_role' },
  { name: 'relogin other than 0 or 1', body: () => ({ ...validLogin(), relogin: '2' }), status: 400, message: /^relogin: must be 0 or 1/, field: 'relogin' },
  { name: 'a user_account of 10,000 characters', body: () => ({ ...validLogin(), user_account: 'u'.repeat(10_000) }), status: 400, message: /^user_account: must be at most/, field: 'user_account' },
  {
    name: 'a logout without logout_time',
    body: () => without(signed(logoutEvent({ appId: '7', roomId: 'refusals', loginAt: 1, at: 2 })), 'logout_time'),
    status: 400,
    message: /^logout_time: is required/,
    field: 'logout_time',
  },
  {
    name: 'a logout before its login',
    body: () => signed(logoutEvent({ appId: '7', roomId: 'refusals', loginAt: 5000, at: 4000 })),
    status: 400,
    message: /^login_time: must not be later than logout_time/,
    field: 'login_time',
  },
  { name: 'a duplicated form field', body: () => `${new URLSearchParams(validLogin())}&room_id=other`, contentType: 'application/x-www-form-urlencoded', status: 400, message: /room_id is given more than once/ },
  { name: 'a wrong signature', body: () => ({ ...validLogin(), signature: 'f'.repeat(40) }), status: 401, message: /signature does not match/, field: 'signature' },
  { name: 'a signature made with another secret', body: () => signed(loginEvent({ appId: '7', at: 1 }), { secret: 'not-the-secret' }), status: 401, message: /signature does not match/ },
  { name: 'a missing signature', body: () => without(validLogin(), 'signature'), status: 401, message: /signature is required/, field: 'signature' },
  { name: 'a timestamp 10 minutes old', body: () => signed(loginEvent({ appId: '7', at: 1 }), { timestamp: now() - 600 }), status: 401, message: /outside the allowed 300 s/, field: 'timestamp' },
  { name: 'a timestamp 10 minutes ahead', body: () => signed(loginEvent({ appId: '7', at: 1 }), { timestamp: now() + 600 }), status: 401, message: /outside the allowed 300 s/, field: 'timestamp' },
  { name: 'a body over 64 KiB', body: () => ({ ...validLogin(), padding: 'x'.repeat(70_000) }), status: 413, message: /64 KiB/ },
  { name: 'a text/plain body', body: () => JSON.stringify(validLogin()), contentType: 'text/plain', status: 415, message: /content type/ },
  { name: 'a multipart body', body: () => '--x\r\n\r\n--x--', contentType: 'multipart/form-data; boundary=x', status: 415, message: /content type/ },
];

async function send(url: string, refusal: Refusal) {
  const body = refusal.body();
  const response = await fetch(`${url}/callbacks/zego`, {
    method: 'POST',
    headers: { 'content-type': refusal.contentType ?? 'application/json' },
    body: typeof body === 'string' ? body : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { ok: boolean; message: string; field?: string } };
}

describe.each(databaseTargets())('refusing bad callbacks ($name)', (target) => {
  let database: TestDatabase;
  let service: TestService;
  let perApp: TestService;

  beforeAll(async () => {
    database = await target.create();
    service = await startService(database.handle);
    perApp = await startService(database.handle, { ZEGO_CALLBACK_SECRET: '', ZEGO_APPS: '7:seven-secret,8:eight-secret' });
  });
  afterAll(async () => {
    await perApp?.app.stop();
    await service?.app.stop();
    await database?.dispose();
  });

  it.each(refusals)('answers $status to $name, naming the problem, and stores nothing', async (refusal) => {
    const before = await tableCounts(service.database.db);
    const response = await send(service.url, refusal);
    expect(response.status).toBe(refusal.status);
    expect(response.body.ok).toBe(false);
    expect(response.body.message).toMatch(refusal.message);
    if (refusal.field) expect(response.body.field).toBe(refusal.field);
    expect(await tableCounts(service.database.db)).toEqual(before);
  });

  it('answers 415 when no content type is sent', async () => {
    const before = await tableCounts(service.database.db);
    const response = await fetch(`${service.url}/callbacks/zego`, { method: 'POST', body: new Uint8Array(Buffer.from(JSON.stringify(validLogin()))) });
    expect(response.status).toBe(415);
    expect(await tableCounts(service.database.db)).toEqual(before);
  });

  it('still accepts a valid callback after all of that', async () => {
    expect((await postCallback(service.url, validLogin())).status).toBe(200);
  });

  describe('with ZEGO_APPS', () => {
    it('answers 403 to an app that is not listed, whatever its signature', async () => {
      const before = await tableCounts(perApp.database.db);
      const response = await postCallback(perApp.url, signed(loginEvent({ appId: '9', at: 1 }), { secret: TEST_SECRET }));
      expect(response).toMatchObject({ status: 403, body: { ok: false, message: 'appid 9 is not accepted here' } });
      expect(await tableCounts(perApp.database.db)).toEqual(before);
    });

    it("answers 401 to a listed app signing with another app's secret", async () => {
      const response = await postCallback(perApp.url, signed(loginEvent({ appId: '7', at: 1 }), { secret: 'eight-secret' }));
      expect(response.status).toBe(401);
    });

    it('accepts each listed app with its own secret', async () => {
      const seven = await postCallback(perApp.url, signed(loginEvent({ appId: '7', roomId: 'apps', at: 1 }), { secret: 'seven-secret' }));
      const eight = await postCallback(perApp.url, signed(loginEvent({ appId: '8', roomId: 'apps', at: 1 }), { secret: 'eight-secret' }));
      expect([seven.status, eight.status]).toEqual([200, 200]);
    });
  });

  it('accepts any timestamp when the tolerance is 0', async () => {
    const lenient = await startService(database.handle, { ZEGO_TIMESTAMP_TOLERANCE_S: '0' });
    try {
      const old = signed(loginEvent({ appId: '7', roomId: 'old', at: 1 }), { timestamp: 1_499_676_978 });
      expect((await postCallback(lenient.url, old)).status).toBe(200);
    } finally {
      await lenient.app.stop();
    }
  });

  it('verifies the signature over the timestamp and nonce exactly as sent, bare numbers included', async () => {
    const timestamp = now();
    const fields = { ...loginEvent({ appId: '7', roomId: 'bare', at: 1 }), signature: zegoSignature(TEST_SECRET, String(timestamp), '350176') };
    const text = JSON.stringify(fields).replace(/}$/, `,"timestamp":${timestamp},"nonce":350176}`);
    expect((await postCallback(service.url, text)).status).toBe(200);
  });
});
