import { sql, type SQL } from 'drizzle-orm';
import type { Queryable } from './client.js';
import { knownCodeOrNull } from './code-selection.js';
import { logoutConditions, type LogoutCriteria } from './logout-history.js';
import { roomEvents } from './schema.js';

/** Aggregates over the logout history, computed by PostgreSQL. */

export type LogoutGrouping =
  | { by: 'reason' | 'role'; knownCodes: readonly number[] }
  | { by: 'room' | 'user' }
  | { by: 'hour' | 'day' };

export interface LogoutAggregate<Key> {
  key: Key;
  count: number;
  /** Session durations in milliseconds; null when no logout of the bucket has a known login. */
  avgSessionMs: number | null;
  p50SessionMs: number | null;
  p95SessionMs: number | null;
}

/**
 * reason/role: the code, or null for all codes outside `knownCodes` together; room/user: the id;
 * hour/day: the bucket's start in UTC, in epoch milliseconds.
 */
export type GroupKey<G extends LogoutGrouping> = G['by'] extends 'reason' | 'role'
  ? number | null
  : G['by'] extends 'room' | 'user'
    ? string
    : number;

const durationMs = roomEvents.sessionMs;

function groupKey(grouping: LogoutGrouping): SQL<unknown> {
  switch (grouping.by) {
    case 'reason':
      return knownCodeOrNull(roomEvents.logoutReason, grouping.knownCodes).mapWith(Number);
    case 'role':
      return knownCodeOrNull(roomEvents.roleCode, grouping.knownCodes).mapWith(Number);
    case 'room':
      return sql`${roomEvents.roomId}`.mapWith(String);
    case 'user':
      // The bare column, in the table's collation: then room_events_user_logouts_idx hands the
      // logouts over already in user order and nothing sorts them (a million logouts: 315 ms
      // instead of 815 ms, most of which was that sort). Rooms are grouped alike, in the order of
      // room_events_logout_stats_idx.
      return sql`${roomEvents.userAccount}`.mapWith(String);
    case 'hour':
    case 'day': {
      // UTC hours and days are fixed lengths of epoch time, so flooring the epoch truncates in UTC
      // whatever the session's TimeZone; date_trunc with a zone did the same at several times the
      // cost per row, most of a whole-app query's time.
      const bucketS = grouping.by === 'hour' ? 3_600 : 86_400;
      return sql`floor(date_part('epoch', ${roomEvents.logoutAt}) / ${sql.raw(String(bucketS))}) * ${sql.raw(String(bucketS * 1000))}`.mapWith(Number);
    }
  }
}

// Bucket order: busiest first for rooms and users (then by id, so ties do not reorder between
// calls), time order for hours and days, code order for reasons and roles.
function bucketOrder(grouping: LogoutGrouping): SQL[] {
  return grouping.by === 'room' || grouping.by === 'user' ? [sql`2 desc`, sql`1`] : [sql`1 nulls last`];
}

/**
 * Count and session-duration statistics per bucket. Every matching logout is counted; a legacy
 * logout with no known login has no duration and is left out of the duration statistics only.
 * Percentiles interpolate linearly between the two nearest durations (percentile_cont).
 */
export async function aggregateLogouts<G extends LogoutGrouping>(
  db: Queryable,
  criteria: LogoutCriteria,
  grouping: G,
): Promise<LogoutAggregate<GroupKey<G>>[]> {
  // Grouping and percentiles sort the matching logouts, about 80 MB for a million of them; with
  // the default 4 MB of work_mem, and still with 64 MB, that sort spilled to disk and took most of
  // the query. 128 MB keeps up to about 1.5 million in memory; the allowance ends with this transaction.
  const rows = await db.transaction(async (tx) => {
    await tx.execute(sql`set local work_mem = '128MB'`);
    return tx
      .select({
        key: groupKey(grouping),
        count: sql<number>`count(*)`.mapWith(Number),
        avgSessionMs: sql<number | null>`avg(${durationMs})`.mapWith(Number),
        p50SessionMs: sql<number | null>`percentile_cont(0.5) within group (order by ${durationMs})`.mapWith(Number),
        p95SessionMs: sql<number | null>`percentile_cont(0.95) within group (order by ${durationMs})`.mapWith(Number),
      })
      .from(roomEvents)
      .where(logoutConditions(criteria))
      // By position: the key expression is written once, so what is grouped and what is selected cannot drift apart.
      .groupBy(sql`1`)
      .orderBy(...bucketOrder(grouping));
  });
  return rows as LogoutAggregate<GroupKey<G>>[];
}
