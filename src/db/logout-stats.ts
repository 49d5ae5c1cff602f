import { sql, type Column, type SQL } from 'drizzle-orm';
import type { Queryable } from './client.js';
import { codeLiteral, rangesOutside } from './code-selection.js';
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

/** Rooms and users are grouped by their column; codes (aggregateByCode) and times (aggregateByTime) by index ranges. */
type ColumnGrouping = Extract<LogoutGrouping, { by: 'room' | 'user' }>;
type CodeGrouping = Extract<LogoutGrouping, { by: 'reason' | 'role' }>;
type TimeGrouping = Extract<LogoutGrouping, { by: 'hour' | 'day' }>;
const isTimeGrouping = (grouping: LogoutGrouping): grouping is TimeGrouping => grouping.by === 'hour' || grouping.by === 'day';
const isCodeGrouping = (grouping: LogoutGrouping): grouping is CodeGrouping => grouping.by === 'reason' || grouping.by === 'role';

function groupColumn(grouping: ColumnGrouping): SQL<string> {
  // The bare column, in the table's collation: then room_events_user_logouts_idx hands the logouts
  // over already in user order and nothing sorts them (a million logouts: 315 ms instead of
  // 815 ms, most of which was that sort). Rooms come alike from room_events_room_logouts_idx.
  return sql`${grouping.by === 'room' ? roomEvents.roomId : roomEvents.userAccount}`.mapWith(String);
}

function statisticsOf(sessionMs: SQL | Column) {
  return {
    count: sql<number>`count(*)`.mapWith(Number),
    avgSessionMs: sql<number | null>`avg(${sessionMs})`.mapWith(Number),
    p50SessionMs: sql<number | null>`percentile_cont(0.5) within group (order by ${sessionMs})`.mapWith(Number),
    p95SessionMs: sql<number | null>`percentile_cont(0.95) within group (order by ${sessionMs})`.mapWith(Number),
  };
}

const statistics = statisticsOf(roomEvents.sessionMs);

/** The statistics as the columns of a hand-written select, named as LogoutAggregate names them. */
function selectStatistics(of: ReturnType<typeof statisticsOf>): SQL {
  return sql`${of.count} as "count", ${of.avgSessionMs} as "avgSessionMs", ${of.p50SessionMs} as "p50SessionMs", ${of.p95SessionMs} as "p95SessionMs"`;
}

type AggregateRow<Key> = Omit<LogoutAggregate<Key>, 'count'> & { count: number | string };

// A hand-written select gets count(*), a bigint, back as text.
const counted = <Key>(rows: AggregateRow<Key>[]): LogoutAggregate<Key>[] => rows.map((row) => ({ ...row, count: Number(row.count) }));

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
      select ${selectStatistics(statistics)}
      from ${roomEvents}
      where ${where} and ${roomEvents.logoutAt} >= to_timestamp(buckets.start) and ${roomEvents.logoutAt} < to_timestamp(buckets.start + ${size})
    ) stats
    where buckets.start is not null
    order by 1
  `);
  return counted(executedRows<AggregateRow<number | string>>(result)).map((row) => ({ ...row, key: Number(row.key) }));
}

/**
 * Reasons or roles in code order, every unknown code together last. Grouping by an expression
 * that folds the unknown codes into one sorted all the logouts by it first (a million logouts:
 * 410 ms, half of it that sort), and so did `code in (...)` read from the code's index, whose
 * rows PostgreSQL does not treat as ordered. Instead each known code is its own equality range of
 * room_events_reason_logouts_idx or room_events_role_logouts_idx, aggregated alone, and the
 * unknown codes are the ranges of the same index around the known ones.
 */
async function aggregateByCode(tx: Queryable, criteria: LogoutCriteria, grouping: CodeGrouping): Promise<LogoutAggregate<number | null>[]> {
  const where = logoutConditions(criteria);
  const column = grouping.by === 'reason' ? roomEvents.logoutReason : roomEvents.roleCode;
  const unknownCodes = sql.join(
    rangesOutside(column, grouping.knownCodes).map(
      (range) => sql`select ${roomEvents.sessionMs} as session_ms from ${roomEvents} where ${where} and ${range}`,
    ),
    sql` union all `,
  );
  const knownCodes = sql`
    select codes.code as "key", stats.* from (values ${sql.join(grouping.knownCodes.map((code) => sql`(${codeLiteral(code)})`), sql`, `)}) codes(code),
    lateral (select ${selectStatistics(statistics)} from ${roomEvents} where ${where} and ${column} = codes.code) stats
    where stats."count" > 0
    union all`;
  const result = await tx.execute(sql`
    ${grouping.knownCodes.length > 0 ? knownCodes : sql``}
    select null as "key", ${selectStatistics(statisticsOf(sql`unknown_codes.session_ms`))}
    from (${unknownCodes}) unknown_codes
    having count(*) > 0
    order by 1 nulls last
  `);
  return counted(executedRows<AggregateRow<number | null>>(result));
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
    if (isCodeGrouping(by)) return aggregateByCode(tx, criteria, by);
    return tx
      .select({ key: groupColumn(by), ...statistics })
      .from(roomEvents)
      .where(logoutConditions(criteria))
      // By position: the key expression is written once, so what is grouped and what is selected cannot drift apart.
      .groupBy(sql`1`)
      // Busiest first, then by id, so that ties do not reorder between calls.
      .orderBy(sql`2 desc`, sql`1`);
  });
  return rows as LogoutAggregate<GroupKey<G>>[];
}
