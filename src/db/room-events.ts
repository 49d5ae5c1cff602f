import { and, desc, eq, lte, sql } from 'drizzle-orm';
import type { Queryable } from './client.js';
import { findByKeys } from './key-lookup.js';
import { executedRows, insertRows } from './sql-fragments.js';
import { otherCallbacks, roomEvents } from './schema.js';

/** Storage of the append-only callback log. */

export type NewRoomEvent = Omit<typeof roomEvents.$inferInsert, 'id' | 'payload' | 'receivedAt'> & { payloadJson: string };

/**
 * The payload goes over as text and is parsed by PostgreSQL, so 64-bit numbers stay exact. The
 * `::text` matters: a parameter typed jsonb would be JSON-encoded again by the driver.
 */
const jsonbFromText = (json: string) => sql`${json}::text::jsonb`;

/** Which of these content keys are already in the event log. */
export async function findStoredEvents(
  tx: Queryable,
  keys: { appId: string; roomId: string; dedupKey: string }[],
): Promise<{ appId: string; roomId: string; dedupKey: string }[]> {
  if (keys.length === 0) return [];
  return findByKeys(tx, roomEvents, [roomEvents.appId, roomEvents.roomId, roomEvents.dedupKey], keys.map((k) => [k.appId, k.roomId, k.dedupKey]), {
    only: ['appId', 'roomId', 'dedupKey'],
  });
}

/**
 * Takes `count` ids from the event log's identity sequence, in ascending order. Asked for with
 * the batch's other reads, they let the events and the presence changes that point at them be
 * written in the same round trip, rather than the changes waiting for the events' RETURNING.
 * Ids reserved for events that turn out to be duplicates stay unused, like a rolled-back insert's.
 */
export async function reserveEventIds(tx: Queryable, count: number): Promise<number[]> {
  if (count === 0) return [];
  const result = await tx.execute(sql`select nextval(pg_get_serial_sequence('room_events', 'id'))::text as id from generate_series(1, ${count}::integer)`);
  return executedRows<{ id: string }>(result)
    .map((row) => Number(row.id))
    .sort((a, b) => a - b);
}

/** Appends events to the log under ids from `reserveEventIds`. */
export async function insertRoomEvents(tx: Queryable, events: (NewRoomEvent & { id: number })[]): Promise<void> {
  if (events.length === 0) return;
  await tx.execute(insertRows(roomEvents, events.map(({ payloadJson, ...columns }) => ({ ...columns, payload: payloadJson })), { overridingSystemValue: true }));
}

export interface StoredLogin {
  sessionId: string;
  loginAt: Date;
  roleCode: number;
}

/**
 * The login a legacy logout (no login_time) ends: the user's latest login in that lifecycle no
 * later than the logout, with the same session where the logout names one.
 */
export async function findLoginBefore(
  tx: Queryable,
  key: { appId: string; roomId: string; roomSeq: string; userAccount: string; sessionId: string | null; before: Date },
): Promise<StoredLogin | undefined> {
  const [row] = await tx
    .select({ sessionId: roomEvents.sessionId, loginAt: roomEvents.loginAt, roleCode: roomEvents.roleCode })
    .from(roomEvents)
    .where(
      and(
        eq(roomEvents.event, 'room_login'),
        eq(roomEvents.appId, key.appId),
        eq(roomEvents.roomId, key.roomId),
        eq(roomEvents.userAccount, key.userAccount),
        eq(roomEvents.roomSeq, key.roomSeq),
        lte(roomEvents.loginAt, key.before),
        key.sessionId === null ? undefined : eq(roomEvents.sessionId, key.sessionId),
      ),
    )
    .orderBy(desc(roomEvents.loginAt))
    .limit(1);
  if (!row?.sessionId || !row.loginAt) return undefined;
  return { sessionId: row.sessionId, loginAt: row.loginAt, roleCode: row.roleCode ?? 0 };
}

/** Keeps a signed callback of a type this service does not track; false when it was already kept. */
export async function insertOtherCallback(
  tx: Queryable,
  callback: { appId: string; event: string; dedupKey: string; payloadJson: string },
): Promise<boolean> {
  const rows = await tx
    .insert(otherCallbacks)
    .values({ appId: callback.appId, event: callback.event, dedupKey: callback.dedupKey, payload: jsonbFromText(callback.payloadJson) })
    .onConflictDoNothing()
    .returning({ id: otherCallbacks.id });
  return rows.length > 0;
}
