import { and, desc, eq, lte, sql } from 'drizzle-orm';
import type { Queryable } from './client.js';
import { tuples } from './sql-fragments.js';
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
  return tx
    .select({ appId: roomEvents.appId, roomId: roomEvents.roomId, dedupKey: roomEvents.dedupKey })
    .from(roomEvents)
    .where(
      sql`(${roomEvents.appId}, ${roomEvents.roomId}, ${roomEvents.dedupKey}) in (${tuples(keys.map((k) => [sql`${k.appId}`, sql`${k.roomId}`, sql`${k.dedupKey}`]))})`,
    );
}

/** Appends events to the log, in order; returns their ids in the same order. */
export async function insertRoomEvents(tx: Queryable, events: NewRoomEvent[]): Promise<number[]> {
  if (events.length === 0) return [];
  const rows = await tx
    .insert(roomEvents)
    .values(events.map(({ payloadJson, ...columns }) => ({ ...columns, payload: jsonbFromText(payloadJson) })))
    .returning({ id: roomEvents.id, appId: roomEvents.appId, roomId: roomEvents.roomId, dedupKey: roomEvents.dedupKey });
  const ids = new Map(rows.map((r) => [`${r.appId}\u0000${r.roomId}\u0000${r.dedupKey}`, r.id]));
  return events.map((e) => ids.get(`${e.appId}\u0000${e.roomId}\u0000${e.dedupKey}`)!);
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
