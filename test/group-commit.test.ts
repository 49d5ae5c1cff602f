import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPresence } from '../src/presence/ingest.js';
import { databaseTargets, type TestDatabase } from './support/databases.js';
import { findRoom } from './support/rows.js';
import { loginEvent, toRoomEvent } from './support/zego.js';

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
});
