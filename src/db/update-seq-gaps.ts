import { sql } from 'drizzle-orm';
import type { Queryable } from './client.js';

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

export async function findUpdateSeqGaps(db: Queryable, appId: string, roomId: string, roomSeq?: string): Promise<UpdateSeqGap[]> {
  const result = (await db.execute(sql`
    select room_seq::text as "roomSeq", (prev + 1)::text as "from", (user_update_seq - 1)::text as "to"
    from (
      select room_seq, user_update_seq,
             lag(user_update_seq) over (partition by room_seq order by user_update_seq) as prev
      from (
        select distinct room_seq, user_update_seq from room_events
        where app_id = ${appId} and room_id = ${roomId} and user_update_seq is not null
          ${roomSeq === undefined ? sql`` : sql`and room_seq = ${roomSeq}`}
      ) seen
    ) ordered
    where user_update_seq - prev > 1
    order by room_seq, user_update_seq
  `)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: UpdateSeqGap[] }).rows) as UpdateSeqGap[];
}
