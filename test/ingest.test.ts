import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { databaseTargets } from './support/databases.js';
import { eventsOfRoom, findRoom, presentMembers, queryRows } from './support/rows.js';
import { serviceFixture } from './support/service.js';
import { jsonWithBareNumbers, loginEvent, logoutEvent, createEvent, closeEvent, postCallback, signed } from './support/zego.js';

// The seed's samples (ZEGO's documentation), with the signature made valid.
const seedLogin = {
  event: 'room_login', appid: '1', room_id: 'rid_1242649', room_name: 'room#123', room_seq: '6085791336856668982',
  user_account: '888120154', user_nickname: '888120154', session_id: '792148503087288320',
  login_time: '1499676978027', user_role: '2', auth_level: '4', relogin: '0', user_update_seq: '1', callback_data: 'user login',
};
const seedLogout = {
  event: 'room_logout', appid: '1', room_id: 'rid_1242649', room_seq: '6085791336856668982', user_account: '888120154',
  user_nickname: '888120154', session_id: '792462300429684736', login_time: '1663740623660',
  logout_time: '1663740627986', reason: '0', user_role: '1', user_update_seq: '13',
};

describe.each(databaseTargets())('ingesting callbacks over HTTP ($name)', (target) => {
  const fixture = serviceFixture(target);

  it('stores the seed login exactly, 64-bit ids included, and makes the user present', async () => {
    const fields = { ...seedLogin, appid: '101' };
    const response = await postCallback(fixture.service.url, signed(fields));
    expect(response).toMatchObject({ status: 200, body: { ok: true, status: 'applied' } });

    const [event] = await eventsOfRoom(fixture.service.database.db, '101', 'rid_1242649');
    expect(event).toMatchObject({
      event: 'room_login',
      roomSeq: '6085791336856668982',
      sessionId: '792148503087288320',
      userAccount: '888120154',
      nickname: '888120154',
      roleCode: 2,
      authLevel: 4,
      relogin: false,
      userUpdateSeq: '1',
      callbackData: 'user login',
      roomName: 'room#123',
    });
    expect(event!.loginAt!.toISOString()).toBe('2017-07-10T08:56:18.027Z');
    expect(String(event!.id)).toBe(response.body.eventId);
    expect(await presentMembers(fixture.service.database.db, '101', 'rid_1242649')).toEqual([
      { userAccount: '888120154', sessionId: '792148503087288320', loginAt: 1499676978027, roleCode: 2 },
    ]);
    const room = await findRoom(fixture.service.database.db, '101', 'rid_1242649');
    expect(room).toMatchObject({ currentSeq: '6085791336856668982', memberCount: 1, version: 1 });
  });

  it('keeps 64-bit ids exact when they arrive as bare JSON numbers', async () => {
    const fields = { ...seedLogin, appid: '102', room_seq: '18446744073709551615', session_id: '9007199254740993' };
    const text = jsonWithBareNumbers(signed(fields), ['room_seq', 'session_id', 'login_time', 'user_role', 'appid', 'user_update_seq']);
    expect(text).toContain('"room_seq":18446744073709551615');
    const response = await postCallback(fixture.service.url, text);
    expect(response.status).toBe(200);

    const [event] = await eventsOfRoom(fixture.service.database.db, '102', 'rid_1242649');
    expect(event).toMatchObject({ roomSeq: '18446744073709551615', sessionId: '9007199254740993', roleCode: 2 });
    // The stored payload keeps the bare numbers exact too (PostgreSQL parses them, not JavaScript).
    const [row] = await queryRows(
      fixture.service.database.db,
      sql`select payload->>'room_seq' as seq, payload->>'session_id' as session from room_events where id = ${event!.id}`,
    );
    expect(row).toEqual({ seq: '18446744073709551615', session: '9007199254740993' });
  });

  it('stores the seed logout with its duration, reason and update sequence', async () => {
    const fields = { ...seedLogout, appid: '103' };
    const response = await postCallback(fixture.service.url, signed(fields));
    expect(response.status).toBe(200);
    const [event] = await eventsOfRoom(fixture.service.database.db, '103', 'rid_1242649');
    expect(event).toMatchObject({
      event: 'room_logout',
      sessionId: '792462300429684736',
      logoutReason: 0,
      roleCode: 1,
      userUpdateSeq: '13',
    });
    expect(event!.loginAt!.toISOString()).toBe('2022-09-21T06:10:23.660Z');
    expect(event!.logoutAt!.getTime() - event!.loginAt!.getTime()).toBe(4326);
  });

  it('accepts form bodies without percent-decoding JSON bodies', async () => {
    const user = 'a%20b+c';
    const form = signed(loginEvent({ appId: '104', user, nickname: 'José 🎉', at: 1_700_000_000_000 }));
    expect((await postCallback(fixture.service.url, form, { format: 'form' })).status).toBe(200);
    const json = signed(loginEvent({ appId: '104', roomId: 'json-room', user, at: 1_700_000_000_000 }));
    expect((await postCallback(fixture.service.url, json)).status).toBe(200);

    const [fromForm] = await eventsOfRoom(fixture.service.database.db, '104', 'rid_1242649');
    const [fromJson] = await eventsOfRoom(fixture.service.database.db, '104', 'json-room');
    expect(fromForm).toMatchObject({ userAccount: user, nickname: 'José 🎉' });
    expect(fromJson).toMatchObject({ userAccount: user });
  });

  it('keeps unknown fields in the stored payload', async () => {
    const fields = { ...loginEvent({ appId: '105', at: 1_700_000_000_000 }), future_field: 'kept', nested: 'x' };
    const text = JSON.stringify({ ...signed(fields), extra_object: { depth: [1, 2, 3] } });
    expect((await postCallback(fixture.service.url, text)).status).toBe(200);
    const [event] = await eventsOfRoom(fixture.service.database.db, '105', 'rid_1242649');
    expect(event!.payload).toMatchObject({ future_field: 'kept', extra_object: { depth: [1, 2, 3] } });
  });

  it('follows a room through create, logins, a logout and close', async () => {
    const room = { appId: '106', roomId: 'life', seq: '42' };
    const steps = [
      createEvent({ ...room, at: 1000 }),
      loginEvent({ ...room, user: 'alice', session: '1', at: 1100, updateSeq: 1, role: 1 }),
      loginEvent({ ...room, user: 'bob', session: '2', at: 1200, updateSeq: 2 }),
      logoutEvent({ ...room, user: 'alice', session: '1', loginAt: 1100, at: 1300, updateSeq: 3, reason: 2 }),
    ];
    for (const step of steps) expect((await postCallback(fixture.service.url, signed(step))).status).toBe(200);
    expect((await presentMembers(fixture.service.database.db, '106', 'life')).map((m) => m.userAccount)).toEqual(['bob']);
    expect(await findRoom(fixture.service.database.db, '106', 'life')).toMatchObject({ memberCount: 1, version: 3 });

    expect((await postCallback(fixture.service.url, signed(closeEvent({ ...room, at: 1400, reason: 1 })))).status).toBe(200);
    expect(await presentMembers(fixture.service.database.db, '106', 'life')).toEqual([]);
    expect(await findRoom(fixture.service.database.db, '106', 'life')).toMatchObject({ memberCount: 0, version: 4 });
  });

  it('answers 200 to a signed event of a type it does not track, and keeps it once', async () => {
    const fields = signed({ event: 'stream_create', appid: '107', stream_id: 's1', room_id: 'r' });
    expect(await postCallback(fixture.service.url, fields)).toMatchObject({ status: 200, body: { status: 'ignored' } });
    expect(await postCallback(fixture.service.url, signed({ event: 'stream_create', appid: '107', stream_id: 's1', room_id: 'r' }))).toMatchObject({ status: 200 });
    const rows = await queryRows(fixture.service.database.db, sql`select payload->>'stream_id' as stream from other_callbacks where app_id = '107'`);
    expect(rows).toEqual([{ stream: 's1' }]);
  });
});

describe.each(databaseTargets())('gaps in user_update_seq ($name)', (target) => {
  const fixture = serviceFixture(target);

  it('are found between stored numbers, per lifecycle, and close when the late callback arrives', async () => {
    const { findUpdateSeqGaps } = await import('../src/db/update-seq-gaps.js');
    const room = { appId: '120', roomId: 'gaps' };
    const seqs = [1, 2, 5, 6, 9];
    for (const n of seqs) {
      await postCallback(fixture.service.url, signed(loginEvent({ ...room, seq: '11', user: `u${n}`, session: String(n), at: 1000 + n, updateSeq: n })));
    }
    await postCallback(fixture.service.url, signed(loginEvent({ ...room, seq: '12', user: 'x', session: '99', at: 5000, updateSeq: 3 })));
    await postCallback(fixture.service.url, signed(loginEvent({ ...room, seq: '12', user: 'y', session: '98', at: 5001, updateSeq: 7 })));

    const gapsOf = async (...seqs: string[]) =>
      [...(await findUpdateSeqGaps(fixture.service.database.db, seqs.map((roomSeq) => ({ ...room, roomSeq })))).values()].flat();
    expect(await gapsOf('11', '12')).toEqual([
      { roomSeq: '11', from: '3', to: '4' },
      { roomSeq: '11', from: '7', to: '8' },
      { roomSeq: '12', from: '4', to: '6' },
    ]);
    await postCallback(fixture.service.url, signed(logoutEvent({ ...room, seq: '11', user: 'u2', session: '2', loginAt: 1002, at: 1003, updateSeq: 3 })));
    await postCallback(fixture.service.url, signed(loginEvent({ ...room, seq: '11', user: 'u4', session: '4', at: 1004, updateSeq: 4 })));
    expect(await gapsOf('11')).toEqual([{ roomSeq: '11', from: '7', to: '8' }]);
  });
});
