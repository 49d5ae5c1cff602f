import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { databaseTargets } from './support/databases.js';
import { applyOrder, buildHistory, deliveryOrder, historyShape } from './support/history.js';
import { findRoom, presentMembers } from './support/rows.js';
import { serviceFixture } from './support/service.js';
import { closeEvent, legacyLogoutEvent, loginEvent, logoutEvent, postCallback, signed, toRoomEvent, type Fields } from './support/zego.js';
import { applyRoomEvents } from '../src/presence/apply.js';

// Failures print fast-check's seed and path; PROPERTY_SEED=<seed> replays them.
const seed = Number(process.env.PROPERTY_SEED ?? 20261125);

describe.each(databaseTargets())('membership does not depend on arrival order ($name)', (target) => {
  let roomCounter = 0;

  const fixture = serviceFixture(target);

  const deliver = async (events: Fields[]) => {
    for (const event of events) {
      const response = await postCallback(fixture.service.url, signed(event));
      expect(response.status, JSON.stringify(response.body)).toBe(200);
    }
  };
  const stateOf = async (roomId: string) => ({
    members: await presentMembers(fixture.service.database.db, '50', roomId),
    room: await findRoom(fixture.service.database.db, '50', roomId).then((r) => r && { currentSeq: r.currentSeq, memberCount: r.memberCount }),
  });

  it('converges to the in-order result for shuffled deliveries with repeats', async () => {
    await fc.assert(
      fc.asyncProperty(
        historyShape.chain((shape) => {
          const size = buildHistory(shape, { appId: '50', roomId: 'probe' }).events.length;
          return fc.tuple(fc.constant(shape), fc.array(deliveryOrder(size), { minLength: 2, maxLength: 2 }));
        }),
        async ([shape, deliveries]) => {
          const run = roomCounter++;
          const inOrderRoom = `in-order-${run}`;
          const history = buildHistory(shape, { appId: '50', roomId: inOrderRoom });
          await deliver(history.events);
          const expected = await stateOf(inOrderRoom);
          // The service's in-order result is the model's.
          expect(expected.members.map(({ userAccount, sessionId, loginAt }) => ({ userAccount, sessionId, loginAt }))).toEqual(history.members);
          expect(expected.room).toEqual({ currentSeq: history.finalSeq, memberCount: history.members.length });

          for (const [k, delivery] of deliveries.entries()) {
            const roomId = `shuffled-${run}-${k}`;
            const events = buildHistory(shape, { appId: '50', roomId }).events;
            await deliver(applyOrder(events, delivery));
            expect(await stateOf(roomId)).toEqual(expected);
          }
        },
      ),
      { seed, numRuns: target.name === 'pglite' ? 15 : 30 },
    );
  });

  it('ends the same when a whole shuffled history is committed as one batch', async () => {
    await fc.assert(
      fc.asyncProperty(
        historyShape.chain((shape) => {
          const size = buildHistory(shape, { appId: '50', roomId: 'probe' }).events.length;
          return fc.tuple(fc.constant(shape), deliveryOrder(size));
        }),
        async ([shape, delivery]) => {
          const run = roomCounter++;
          const roomId = `batched-${run}`;
          const history = buildHistory(shape, { appId: '50', roomId });
          const events = await Promise.all(applyOrder(history.events, delivery).map(toRoomEvent));
          const outcomes = await applyRoomEvents(fixture.service.database.db, events);
          // Repeats inside the batch are recognised as such.
          expect(outcomes.filter((o) => o.status === 'applied')).toHaveLength(history.events.length);
          const state = await stateOf(roomId);
          expect(state.members.map(({ userAccount, sessionId, loginAt }) => ({ userAccount, sessionId, loginAt }))).toEqual(history.members);
          expect(state.room).toEqual({ currentSeq: history.finalSeq, memberCount: history.members.length });
        },
      ),
      { seed: seed + 1, numRuns: 20 },
    );
  });

  describe('the traps, one by one', () => {
    const room = (roomId: string) => ({ appId: '50', roomId, seq: '77' });

    it("a re-login delivered before the replaced session's logout keeps the user", async () => {
      const r = room('relogin-first');
      await deliver([
        loginEvent({ ...r, user: 'u', session: '1', at: 1000, updateSeq: 1 }),
        loginEvent({ ...r, user: 'u', session: '2', at: 2000, updateSeq: 3, relogin: true }),
        logoutEvent({ ...r, user: 'u', session: '1', loginAt: 1000, at: 1500, updateSeq: 2, reason: 2 }),
      ]);
      expect((await presentMembers(fixture.service.database.db, '50', 'relogin-first')).map((m) => m.sessionId)).toEqual(['2']);
    });

    it('a late login never resurrects a user whose logout was applied', async () => {
      const r = room('late-login');
      await deliver([
        logoutEvent({ ...r, user: 'u', session: '1', loginAt: 1000, at: 1500, updateSeq: 2 }),
        loginEvent({ ...r, user: 'u', session: '1', at: 1000, updateSeq: 1 }),
      ]);
      expect(await presentMembers(fixture.service.database.db, '50', 'late-login')).toEqual([]);
      expect(await findRoom(fixture.service.database.db, '50', 'late-login')).toMatchObject({ memberCount: 0 });
    });

    it('an event of an older lifecycle never undoes the newer one', async () => {
      const older = { appId: '50', roomId: 'lifecycles', seq: '18446744073709551615' };
      const newer = { appId: '50', roomId: 'lifecycles', seq: '5' };
      await deliver([
        loginEvent({ ...newer, user: 'b', session: '20', at: 9000, updateSeq: 1 }),
        loginEvent({ ...older, user: 'a', session: '10', at: 1000, updateSeq: 1 }),
        closeEvent({ ...older, at: 2000 }),
      ]);
      expect((await presentMembers(fixture.service.database.db, '50', 'lifecycles')).map((m) => m.userAccount)).toEqual(['b']);
      expect(await findRoom(fixture.service.database.db, '50', 'lifecycles')).toMatchObject({ currentSeq: '5', memberCount: 1 });
    });

    it('room_close empties the room, and a login of the closed lifecycle arriving later stays out', async () => {
      const r = room('closing');
      await deliver([
        loginEvent({ ...r, user: 'a', session: '1', at: 1000, updateSeq: 1 }),
        closeEvent({ ...r, at: 3000 }),
        loginEvent({ ...r, user: 'b', session: '2', at: 2000, updateSeq: 2 }),
      ]);
      expect(await presentMembers(fixture.service.database.db, '50', 'closing')).toEqual([]);
    });

    it('a legacy logout (no login_time, session 0) ends the session it follows, in either order', async () => {
      for (const [roomId, order] of [['legacy-a', [0, 1]], ['legacy-b', [1, 0]]] as const) {
        const r = room(roomId);
        const events = [loginEvent({ ...r, user: 'u', session: '3', at: 1000, updateSeq: 1 }), legacyLogoutEvent({ ...r, user: 'u', at: 4000 })];
        await deliver(order.map((i) => events[i]!));
        expect(await presentMembers(fixture.service.database.db, '50', roomId)).toEqual([]);
      }
    });

    it('a legacy logout is paired with the stored login to learn when the session began', async () => {
      const r = room('legacy-pairing');
      await deliver([
        loginEvent({ ...r, user: 'u', session: '3', at: 1000, updateSeq: 1 }),
        legacyLogoutEvent({ ...r, user: 'u', at: 4000 }),
        legacyLogoutEvent({ ...r, user: 'u', at: 5000 }),
      ]);
      const { eventsOfRoom } = await import('./support/rows.js');
      const logouts = (await eventsOfRoom(fixture.service.database.db, '50', 'legacy-pairing')).filter((e) => e.event === 'room_logout');
      // Two legacy logouts of one user never collide, and both know their login.
      expect(logouts.map((e) => [e.loginAt?.getTime(), e.logoutAt?.getTime()])).toEqual([
        [1000, 4000],
        [1000, 5000],
      ]);
    });
  });
});
