import { max, min } from 'drizzle-orm';
import type { Queryable } from './client.js';
import { rooms } from './schema.js';

/** Which apps the service holds room data of: none yet, exactly one, or several. */
export type AppsWithData = { count: 0 } | { count: 1; appId: string } | { count: 'several' };

export async function findAppsWithData(db: Queryable): Promise<AppsWithData> {
  // Both ends of the (app_id, room_id) index: two index probes, whatever the number of rooms.
  const [row] = await db.select({ first: min(rooms.appId), last: max(rooms.appId) }).from(rooms);
  if (!row?.first || !row.last) return { count: 0 };
  return row.first === row.last ? { count: 1, appId: row.first } : { count: 'several' };
}
