import { sql } from 'drizzle-orm';
import type { Queryable } from './client.js';
import { executedRows, tuples } from './sql-fragments.js';

/**
 * Callbacks ZEGO lost for good: `user_update_seq` rises by one with every login and logout of a
 * room lifecycle, so a number missing between two stored ones is a callback that never arrived
 * (or has not arrived yet: a late delivery closes the gap by itself, as nothing is stored but the
 * events). Numbers before the first one seen are not reported: the service may have started
 * listening in the middle of a lifecycle.
 */
export interface UpdateSeqGap {
  roomSeq: string;
  /** First missing number. */
  from: string;
  /** Last missing number. */
  to: string;
}

export interface LifecycleKey {
  appId: string;
  roomId: string;
  roomSeq: string;
}

/** A lifecycle as a map key. */
export const lifecycleText = (key: LifecycleKey) => JSON.stringify([key.appId, key.roomId, key.roomSeq]);

/** The gaps of several room lifecycles, in one statement. */
export async function findUpdateSeqGaps(db: Queryable, lifecycles: readonly LifecycleKey[]): Promise<Map<string, UpdateSeqGap[]>> {
  const gaps = new Map<string, UpdateSeqGap[]>(lifecycles.map((key) => [lifecycleText(key), []]));
  if (lifecycles.length === 0) return gaps;
  const wanted = tuples(lifecycles.map((k) => [sql`${k.appId}`, sql`${k.roomId}`, sql`${k.roomSeq}::numeric`]));
  const result = (await db.execute(sql`
    select app_id as "appId", room_id as "roomId", room_seq::text as "roomSeq", (prev + 1)::text as "from", (user_update_seq - 1)::text as "to"
    from (
      select app_id, room_id, room_seq, user_update_seq,
             lag(user_update_seq) over (partition by app_id, room_id, room_seq order by user_update_seq) as prev
      from (
        select distinct app_id, room_id, room_seq, user_update_seq from room_events
        where (app_id, room_id, room_seq) in (${wanted}) and user_update_seq is not null
      ) seen
    ) ordered
    where user_update_seq - prev > 1
    order by app_id, room_id, room_seq, user_update_seq
  `)) as unknown;
  const rows = executedRows<UpdateSeqGap & { appId: string; roomId: string }>(result);
  for (const { appId, roomId, ...gap } of rows) gaps.get(lifecycleText({ appId, roomId, roomSeq: gap.roomSeq }))?.push(gap);
  return gaps;
}
