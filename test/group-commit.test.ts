import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPresence } from '../src/presence/ingest.js';
import { databaseTargets, type TestDatabase } from './support/databases.js';
import { applyRoomEvents } from '../src/presence/apply.js';
import { eventsOfRoom, findRoom } from './support/rows.js';
import { closeEvent, createEvent, loginEvent, logoutEvent, toRoomEvent } from './support/zego.js';

describe.each(databaseTargets())('committing concurrent callbacks together ($name)', (target) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await target.create();
  });
  afterAll(async () => {
    await database?.dispose();
  });

  it('commits events that wait behind a transaction as one batch, and answers each', async () => {
    const batches: number[] = [];
    const presence = createPresence(database.handle.db, { concurrency: 1, onCommitted: (applied) => batches.push(applied.length) });
    const events = await Promise.all(
      Array.from({ length: 10 }, (_, i) => toRoomEvent(loginEvent({ appId: '90', roomId: `r${i % 3}`, user: `u${i}`, session: String(i + 1), at: 1000 + i }))),
    );
    const outcomes = await Promise.all(events.map((event) => presence.ingest(event)));
    expect(outcomes.map((o) => o.status)).toEqual(Array(10).fill('applied'));
    // The first event found no transaction in flight; the other nine waited for it and went together.
    expect(batches).toEqual([1, 9]);
    const ids = outcomes.map((o) => (o.status === 'applied' ? o.eventId : 0));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(await findRoom(database.handle.db, '90', 'r0')).toMatchObject({ memberCount: 4 });
  });

  it('answers a repeat inside one batch as a duplicate', async () => {
    const presence = createPresence(database.handle.db, { concurrency: 1 });
    const blocker = await toRoomEvent(loginEvent({ appId: '90', roomId: 'dup', user: 'a', session: '1', at: 1 }));
    const event = await toRoomEvent(loginEvent({ appId: '90', roomId: 'dup', user: 'b', session: '2', at: 2 }));
    const outcomes = await Promise.all([presence.ingest(blocker), presence.ingest(event), presence.ingest(event)]);
    expect(outcomes.map((o) => o.status)).toEqual(['applied', 'applied', 'duplicate']);
  });

  it('stores each event of a batch mixing event types with its own fields', async () => {
    const room = { appId: '90', roomId: 'mixed', seq: '77' };
    const events = await Promise.all([
      toRoomEvent(createEvent({ ...room, at: 1_000, by: 'host' })),
      toRoomEvent(loginEvent({ ...room, user: 'ann', nickname: 'Ann', session: '5', role: 1, at: 2_000, updateSeq: 1 })),
      toRoomEvent(logoutEvent({ ...room, user: 'ann', nickname: 'Ann', session: '5', role: 1, loginAt: 2_000, at: 3_000, reason: 2, updateSeq: 2 })),
      toRoomEvent(closeEvent({ ...room, at: 4_000, reason: 1 })),
    ]);
    const outcomes = await applyRoomEvents(database.handle.db, events);
    expect(outcomes.map((o) => o.status)).toEqual(['applied', 'applied', 'applied', 'applied']);
    const stored = await eventsOfRoom(database.handle.db, '90', 'mixed');
    expect(stored.map((e) => e.event)).toEqual(['room_create', 'room_login', 'room_logout', 'room_close']);
    expect(stored[0]).toMatchObject({ createdBy: 'host', userAccount: null, closeReason: null });
    expect(stored[1]).toMatchObject({ userAccount: 'ann', nickname: 'Ann', sessionId: '5', roleCode: 1, userUpdateSeq: '1', createdBy: null });
    expect(stored[2]).toMatchObject({ userAccount: 'ann', logoutReason: 2, userUpdateSeq: '2', sessionMs: 1_000 });
    expect(stored[3]).toMatchObject({ closeReason: 1, userAccount: null, createdBy: null });
  });
});
