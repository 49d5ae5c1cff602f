import { describe, expect, it } from 'vitest';
import { databaseTargets } from './support/databases.js';
import { eventsOfRoom, findRoom, tableCounts } from './support/rows.js';
import { serviceFixture } from './support/service.js';
import { legacyLogoutEvent, loginEvent, logoutEvent, postCallback, signed } from './support/zego.js';

describe.each(databaseTargets())('repeated deliveries ($name)', (target) => {
  const fixture = serviceFixture(target);

  const deliveries = [
    ['the same timestamp, nonce and signature', (fields: Record<string, string>) => {
      const once = signed(fields, { timestamp: Math.floor(Date.now() / 1000), nonce: '4242' });
      return [once, once, once];
    }],
    ['a fresh timestamp and nonce each time', (fields: Record<string, string>) => [signed(fields), signed(fields, { nonce: 'other' }), signed(fields, { timestamp: Math.floor(Date.now() / 1000) - 5 })]],
  ] as const;

  it.each(deliveries)('stores an event delivered 3 times with %s once, answering 200 each time', async (_name, repeat) => {
    const roomId = `dup-${_name.length}`;
    const login = loginEvent({ appId: '60', roomId, user: 'u', session: '1', at: 1000, updateSeq: 1 });
    const logout = logoutEvent({ appId: '60', roomId, user: 'u', session: '1', loginAt: 1000, at: 2000, updateSeq: 2 });
    const answers = [];
    for (const body of [...repeat(login), ...repeat(logout)]) answers.push(await postCallback(fixture.service.url, body));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(answers.map((a) => a.body.status)).toEqual(['applied', 'duplicate', 'duplicate', 'applied', 'duplicate', 'duplicate']);
    expect((await eventsOfRoom(fixture.service.database.db, '60', roomId)).map((e) => e.event)).toEqual(['room_login', 'room_logout']);
    expect(await findRoom(fixture.service.database.db, '60', roomId)).toMatchObject({ memberCount: 0, version: 2 });
  });

  it('stores a repeat once as JSON, as form, and with bare numbers alike', async () => {
    const login = loginEvent({ appId: '60', roomId: 'formats', at: 1000, updateSeq: 1 });
    const before = await tableCounts(fixture.service.database.db);
    expect((await postCallback(fixture.service.url, signed(login))).body.status).toBe('applied');
    const after = await tableCounts(fixture.service.database.db);
    expect((await postCallback(fixture.service.url, signed(login), { format: 'form' })).body.status).toBe('duplicate');
    const bare = JSON.stringify(signed(login)).replace(`"session_id":"${login.session_id}"`, `"session_id":${login.session_id}`);
    expect((await postCallback(fixture.service.url, bare)).body.status).toBe('duplicate');
    expect(await tableCounts(fixture.service.database.db)).toEqual(after);
    expect(after.roomEvents).toBe(before.roomEvents! + 1);
  });

  it('keeps two legacy logouts of one user apart', async () => {
    const first = legacyLogoutEvent({ appId: '60', roomId: 'legacy', user: 'u', at: 1000 });
    const second = legacyLogoutEvent({ appId: '60', roomId: 'legacy', user: 'u', at: 2000 });
    const other = legacyLogoutEvent({ appId: '60', roomId: 'legacy', user: 'v', at: 1000 });
    for (const body of [first, second, other, first]) await postCallback(fixture.service.url, signed(body));
    expect(await eventsOfRoom(fixture.service.database.db, '60', 'legacy')).toHaveLength(3);
  });

  it('stores an event once when its deliveries race each other', async () => {
    const login = loginEvent({ appId: '60', roomId: 'race', user: 'u', session: '9', at: 1000, updateSeq: 1 });
    const answers = await Promise.all(Array.from({ length: 8 }, () => postCallback(fixture.service.url, signed(login))));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers.filter((a) => a.body.status === 'applied')).toHaveLength(1);
    expect(await eventsOfRoom(fixture.service.database.db, '60', 'race')).toHaveLength(1);
    expect(await findRoom(fixture.service.database.db, '60', 'race')).toMatchObject({ memberCount: 1, version: 1 });
  });

  it('applies concurrent events of one room one at a time', async () => {
    const users = Array.from({ length: 20 }, (_, i) => loginEvent({ appId: '60', roomId: 'busy', user: `u${i}`, session: String(100 + i), at: 1000 + i, updateSeq: i + 1 }));
    const answers = await Promise.all(users.map((u) => postCallback(fixture.service.url, signed(u))));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(await findRoom(fixture.service.database.db, '60', 'busy')).toMatchObject({ memberCount: 20, version: 20 });
  });
});
