import { and, eq, inArray, sql } from 'drizzle-orm';
import { expect } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.js';
import { roomEvents } from '../../src/db/schema.js';
import { queryRows } from './rows.js';

/** Every room's member count matches its present members: nothing was half-applied. */
export async function expectConsistent(handle: DatabaseHandle) {
  const drift = await queryRows(
    handle.db,
    sql`select r.room_id, r.member_count, count(m.*) filter (where m.logout_at is null)::int as present
        from rooms r left join room_members m on m.room_pk = r.id
        group by r.id having r.member_count <> count(m.*) filter (where m.logout_at is null)`,
  );
  expect(drift).toEqual([]);
  const orphans = await queryRows(handle.db, sql`select r.id from rooms r where r.version <> coalesce((select max(version) from presence_changes p where p.room_pk = r.id), 0)`);
  expect(orphans).toEqual([]);
}

/** Which of these users have an event of `appId` stored. */
export async function storedUsers(handle: DatabaseHandle, appId: string, users: string[]): Promise<Set<string>> {
  const stored = new Set<string>();
  for (let i = 0; i < users.length; i += 500) {
    const rows = await handle.db
      .select({ user: roomEvents.userAccount })
      .from(roomEvents)
      .where(and(eq(roomEvents.appId, appId), inArray(roomEvents.userAccount, users.slice(i, i + 500))));
    for (const row of rows) stored.add(row.user!);
  }
  return stored;
}
