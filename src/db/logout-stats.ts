import { sql, type SQL } from 'drizzle-orm';
import type { Queryable } from './client.js';
import { knownCodeOrNull } from './code-selection.js';
import { logoutConditions, type LogoutCriteria } from './logout-history.js';
import { executedRows } from './sql-fragments.js';
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

/** Groupings by a value of the row; hours and days are read bucket by bucket (aggregateByTime). */
type ValueGrouping = Exclude<LogoutGrouping, { by: 'hour' | 'day' }>;
const isTimeGrouping = (grouping: LogoutGrouping): grouping is Extract<LogoutGrouping, { by: 'hour' | 'day' }> =>
  grouping.by === 'hour' || grouping.by === 'day';

function groupKey(grouping: ValueGrouping): SQL<unknown> {
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
  }
}

// Bucket order: busiest first for rooms and users (then by id, so ties do not reorder between
// calls), code order for reasons and roles. Hours and days come out in time order as they are read.
function bucketOrder(grouping: ValueGrouping): SQL[] {
  return grouping.by === 'room' || grouping.by === 'user' ? [sql`2 desc`, sql`1`] : [sql`1 nulls last`];
}

const statistics = {
  count: sql<number>`count(*)`.mapWith(Number),
  avgSessionMs: sql<number | null>`avg(${roomEvents.sessionMs})`.mapWith(Number),
  p50SessionMs: sql<number | null>`percentile_cont(0.5) within group (order by ${roomEvents.sessionMs})`.mapWith(Number),
  p95SessionMs: sql<number | null>`percentile_cont(0.95) within group (order by ${roomEvents.sessionMs})`.mapWith(Number),
};

type TimeRow = { key: number; count: number | string; avgSessionMs: number | null; p50SessionMs: number | null; p95SessionMs: number | null };

/**
 * Hours or days, each read as its own range of logout_at. Grouping a million logouts by an
 * expression of logout_at sorted them all first (a third of the query); instead each bucket is an
 * index range, found by jumping from one bucket that holds logouts to the next (a recursive
 * query, one index probe per bucket, so empty hours cost nothing), and aggregated alone. UTC
 * hours and days are fixed lengths of epoch time, so flooring the epoch buckets in UTC whatever
 * the session's TimeZone.
 */
async function aggregateByTime(tx: Queryable, criteria: LogoutCriteria, bucketS: number): Promise<LogoutAggregate<number>[]> {
  const where = logoutConditions(criteria);
  const size = sql.raw(String(bucketS));
  const bucketOf = (instant: SQL) => sql`floor(date_part('epoch', ${instant}) / ${size}) * ${size}`;
  const result = await tx.execute(sql`
    with recursive buckets(start) as (
      select ${bucketOf(sql`min(${roomEvents.logoutAt})`)} from ${roomEvents} where ${where}
      union all
      select (select ${bucketOf(sql`min(${roomEvents.logoutAt})`)} from ${roomEvents}
              where ${where} and ${roomEvents.logoutAt} >= to_timestamp(buckets.start + ${size}))
      from buckets where buckets.start is not null
    )
    select buckets.start * 1000 as "key", stats.* from buckets, lateral (
      select ${statistics.count} as "count", ${statistics.avgSessionMs} as "avgSessionMs",
             ${statistics.p50SessionMs} as "p50SessionMs", ${statistics.p95SessionMs} as "p95SessionMs"
      from ${roomEvents}
      where ${where} and ${roomEvents.logoutAt} >= to_timestamp(buckets.start) and ${roomEvents.logoutAt} < to_timestamp(buckets.start + ${size})
    ) stats
    where buckets.start is not null
    order by 1
  `);
  return executedRows<TimeRow>(result).map((row) => ({ ...row, key: Number(row.key), count: Number(row.count) }));
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
    const by: LogoutGrouping = grouping;
    if (isTimeGrouping(by)) return aggregateByTime(tx, criteria, by.by === 'hour' ? 3_600 : 86_400);
    return tx
      .select({ key: groupKey(by), ...statistics })
      .from(roomEvents)
      .where(logoutConditions(criteria))
      // By position: the key expression is written once, so what is grouped and what is selected cannot drift apart.
      .groupBy(sql`1`)
      .orderBy(...bucketOrder(by));
  });
  return rows as LogoutAggregate<GroupKey<G>>[];
}
