import { describe, expect, it } from 'vitest';
import { databaseTargets } from './support/databases.js';
import { graphql, queryData } from './support/graphql.js';
import { serviceFixture } from './support/service.js';
import { loginEvent, logoutEvent, postAll } from './support/zego.js';

const AT = Date.UTC(2026, 6, 1);
const WITHOUT_APP_ID = {
  room: `{ room(roomId: "hall") { appId roomId } }`,
  rooms: `{ rooms { totalCount edges { node { appId roomId } } } }`,
  logoutEvents: `{ logoutEvents { totalCount edges { node { appId userAccount } } } }`,
  logoutStats: `{ logoutStats(groupBy: ROOM) { key count } }`,
};
const ALL_WITHOUT_APP_ID = `{ ${Object.values(WITHOUT_APP_ID).map((query) => query.slice(1, -1)).join(' ')} }`;

const eventsOf = (appId: string) => [
  loginEvent({ appId, roomId: 'hall', seq: '1', user: `host-of-${appId}`, session: '1', at: AT }),
  logoutEvent({ appId, roomId: 'hall', seq: '1', user: `guest-of-${appId}`, session: '2', loginAt: AT, at: AT + 1000 }),
];

// The appId rule depends on every app the database holds, so this file has a database of its own.
describe.each(databaseTargets())('appId may be omitted while one app has data ($name)', (target) => {
  const fixture = serviceFixture(target);

  it('answers with nothing before any app has data', async () => {
    const data = await queryData(fixture.service.url, ALL_WITHOUT_APP_ID);
    expect(data).toEqual({
      room: null,
      rooms: { totalCount: 0, edges: [] },
      logoutEvents: { totalCount: 0, edges: [] },
      logoutStats: [],
    });
  });

  it('means the one app that has data', async () => {
    await postAll(fixture.service.url, eventsOf('601'));
    const data = await queryData(fixture.service.url, ALL_WITHOUT_APP_ID);
    expect(data).toEqual({
      room: { appId: '601', roomId: 'hall' },
      rooms: { totalCount: 1, edges: [{ node: { appId: '601', roomId: 'hall' } }] },
      logoutEvents: { totalCount: 1, edges: [{ node: { appId: '601', userAccount: 'guest-of-601' } }] },
      logoutStats: [{ key: 'hall', count: 1 }],
    });
  });

  it('is required, by name, once a second app has data', async () => {
    await postAll(fixture.service.url, eventsOf('602'));
    for (const [field, query] of Object.entries(WITHOUT_APP_ID)) {
      const response = await graphql(fixture.service.url, query);
      expect(response.status, field).toBeLessThan(500);
      expect(response.errors, field).toEqual([
        expect.objectContaining({
          message: expect.stringContaining('appId is required'),
          path: [field],
          extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', argumentName: 'appId' }),
        }),
      ]);
    }
    const named = await queryData(fixture.service.url, `{
      room(appId: "602", roomId: "hall") { appId }
      rooms(appId: "601") { totalCount }
      logoutEvents(filter: { appId: "602" }) { edges { node { userAccount } } }
      logoutStats(filter: { appId: "601" }, groupBy: USER) { key count } }`);
    expect(named).toEqual({
      room: { appId: '602' },
      rooms: { totalCount: 1 },
      logoutEvents: { edges: [{ node: { userAccount: 'guest-of-602' } }] },
      logoutStats: [{ key: 'guest-of-601', count: 1 }],
    });
  });
});
