import { and, desc, eq, lte, sql } from 'drizzle-orm';
import type { Queryable } from './client.js';
import { otherCallbacks, roomEvents } from './schema.js';

/** Storage of the append-only callback log. */

export type NewRoomEvent = Omit<typeof roomEvents.$inferInsert, 'id' | 'payload' | 'receivedAt'> & { payloadJson: string };

/**
 * The payload goes over as text and is parsed by PostgreSQL, so 64-bit numbers stay exact. The
 * `::text` matters: a parameter typed jsonb would be JSON-encoded again by the driver.
 */
const jsonbFromText = (json: string) => sql`${json}::text::jsonb`;

/** Inserts the event unless an event with the same content key is already stored; returns its id, or null for a repeat. */
export async function insertRoomEvent(tx: Queryable, event: NewRoomEvent): Promise<number | null> {
  const { payloadJson, ...columns } = event;
  const [row] = await tx
    .insert(roomEvents)
    .values({ ...columns, payload: jsonbFromText(payloadJson) })
    .onConflictDoNothing()
    .returning({ id: roomEvents.id });
  return row?.id ?? null;
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
