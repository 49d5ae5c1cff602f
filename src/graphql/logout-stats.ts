import type { LogoutCriteria } from '../db/logout-history.js';
import { aggregateLogouts, type LogoutAggregate } from '../db/logout-stats.js';
import type { Queryable } from '../db/client.js';
import {
  KNOWN_REASON_CODES,
  KNOWN_ROLE_CODES,
  LOGOUT_REASONS,
  USER_ROLES,
  logoutReason,
  userRole,
} from '../presence/codes.js';
import { resolveAppId } from './app-scope.js';
import { builder } from './builder.js';
import { LogoutEventFilter, logoutCriteria } from './logout-events.js';

/** Statistics over the logout history: how many left, and how long their sessions lasted. */

const GROUPINGS = ['REASON', 'ROLE', 'ROOM', 'USER', 'HOUR', 'DAY'] as const;
type LogoutStatsGrouping = (typeof GROUPINGS)[number];

export const LogoutStatsGroupBy = builder.enumType('LogoutStatsGroupBy', {
  description:
    'How logoutStats buckets logouts. REASON and ROLE buckets come in enum order, HOUR and DAY (UTC) in time order, ROOM and USER by count, largest first.',
  values: GROUPINGS,
});

type Bucket = LogoutAggregate<string>;

export const LogoutStatsBucket = builder.objectRef<Bucket>('LogoutStatsBucket').implement({
  authScopes: { history: true },
  description: 'The logouts of one bucket. Durations count only logouts whose login time is known.',
  fields: (t) => ({
    key: t.exposeString('key', {
      description: 'The enum name (REASON, ROLE), the roomId (ROOM), the userAccount (USER), or the start of the bucket as a DateTime (HOUR, DAY).',
    }),
    count: t.exposeInt('count', { description: 'How many logouts the bucket has.' }),
    avgSessionMs: t.exposeFloat('avgSessionMs', { nullable: true, description: 'Mean session duration in milliseconds.' }),
    p50SessionMs: t.exposeFloat('p50SessionMs', {
      nullable: true,
      description: 'Median session duration in milliseconds, interpolated linearly (percentile_cont).',
    }),
    p95SessionMs: t.exposeFloat('p95SessionMs', {
      nullable: true,
      description: '95th percentile of session duration in milliseconds, interpolated linearly (percentile_cont).',
    }),
  }),
});

async function logoutBuckets(db: Queryable, criteria: LogoutCriteria, grouping: LogoutStatsGrouping): Promise<Bucket[]> {
  switch (grouping) {
    case 'REASON': {
      const rows = await aggregateLogouts(db, criteria, { by: 'reason', knownCodes: KNOWN_REASON_CODES });
      return inEnumOrder(
        rows.map((row) => ({ ...row, key: row.key === null ? 'UNKNOWN' : logoutReason(row.key) })),
        LOGOUT_REASONS,
      );
    }
    case 'ROLE': {
      const rows = await aggregateLogouts(db, criteria, { by: 'role', knownCodes: KNOWN_ROLE_CODES });
      return inEnumOrder(
        rows.map((row) => ({ ...row, key: row.key === null ? 'UNKNOWN' : userRole(row.key) })),
        USER_ROLES,
      );
    }
    case 'ROOM':
      return aggregateLogouts(db, criteria, { by: 'room' });
    case 'USER':
      return aggregateLogouts(db, criteria, { by: 'user' });
    case 'HOUR':
    case 'DAY': {
      const rows = await aggregateLogouts(db, criteria, { by: grouping === 'HOUR' ? 'hour' : 'day' });
      return rows.map((row) => ({ ...row, key: new Date(row.key).toISOString() }));
    }
  }
}

function inEnumOrder(buckets: Bucket[], order: readonly string[]): Bucket[] {
  return buckets.sort((a, b) => order.indexOf(a.key) - order.indexOf(b.key));
}

builder.queryField('logoutStats', (t) =>
  t.field({
    type: [LogoutStatsBucket],
    authScopes: { history: true },
    description: 'Logout counts and session durations per bucket, for the logouts matching the filter. Empty buckets are left out.',
    args: {
      filter: t.arg({ type: LogoutEventFilter }),
      groupBy: t.arg({ type: LogoutStatsGroupBy, required: true }),
    },
    resolve: async (_root, args, { db }) => {
      const appId = await resolveAppId(db, args.filter?.appId);
      return appId === null ? [] : logoutBuckets(db, logoutCriteria(args.filter, appId), args.groupBy);
    },
  }),
);
