import type postgres from 'postgres';
import { openDatabase } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';

/**
 * A logout history loaded in bulk, straight into the tables the service writes (room_events,
 * rooms, room_lifecycles), shaped so that every history filter the API offers finds full pages.
 */
export interface SeededHistory {
  logouts: number;
  /** The app holding 90% of the history; the other app ('2') makes `appId` mandatory, as in production. */
  appId: string;
  /** A room and a user of that app with well over a page of logouts each. */
  roomId: string;
  userAccount: string;
  /** A day inside the history (a shorter window for small seeds: the history spans ~11.6 days at any size). */
  window: { from: Date; to: Date };
  /** The (logout_at, id) of the logout halfway down the app's history: where a deep page starts. */
  middle: { logoutAt: Date; id: number };
}

const START = '2026-01-01T00:00:00Z';
/** How long the history spans, whatever its size: a million logouts at one a second. */
const SPAN_S = 1_000_000;

/** Applies the service's migrations to an empty database, as the service does at start. */
export async function migrateHistoryDatabase(url: string): Promise<void> {
  const handle = await openDatabase({ kind: 'postgres', url }, { max: 1 });
  try {
    await migrateDatabase(handle);
  } finally {
    await handle.close();
  }
}

/**
 * Loads `logouts` logouts and as many logins into a migrated, empty database, then the rooms they
 * name, then vacuum-analyzes so that the planner sees the table as it would after months of use.
 */
export async function seedLogoutHistory(admin: postgres.Sql, logouts: number): Promise<SeededHistory> {
  // 500 logouts a room and 100 a user: a room or user filter still fills a page at any size, and
  // 2,000 rooms / 10,000 users at a million make ROOM and USER stats many-bucketed. Multiples of 10
  // keep room17 and user17 entirely in app 1 (app 2 takes every i divisible by 10).
  const rooms = Math.max(10, Math.round(logouts / 5_000) * 10);
  const users = Math.max(10, Math.round(logouts / 1_000) * 10);
  const stepS = SPAN_S / logouts;
  // Payloads as ZEGO sends them (about 400 bytes): the heap a full scan reads is as wide as production's.
  await admin.unsafe(`
    insert into room_events (event, app_id, room_id, room_seq, event_at, user_account, nickname, session_id, role_code,
                             login_at, logout_at, logout_reason, sent_at, dedup_key, payload)
    select 'room_logout', app, room, 1, t, usr, 'nick' || (i % ${users}), i,
           (array[1, 2, 2, 2, 4, 7])[1 + i % 6], t - make_interval(secs => i % 3600), t,
           (array[0, 0, 0, 1, 2, 3, 4, 9])[1 + i % 8], t, 'logout' || i,
           jsonb_build_object('event', 'room_logout', 'appid', app, 'room_id', room, 'room_seq', '1', 'user_account', usr,
             'user_nickname', 'nick' || (i % ${users}), 'session_id', i::text, 'user_role', (array[1, 2, 2, 2, 4, 7])[1 + i % 6],
             'login_time', ((date_part('epoch', t) - i % 3600) * 1000)::bigint, 'logout_time', (date_part('epoch', t) * 1000)::bigint,
             'reason', (array[0, 0, 0, 1, 2, 3, 4, 9])[1 + i % 8], 'timestamp', date_part('epoch', t)::bigint,
             'nonce', md5(i::text), 'signature', md5('s' || i))
    from (select i, case when i % 10 = 0 then '2' else '1' end as app, 'room' || (i % ${rooms}) as room,
                 'user' || (i % ${users}) as usr, timestamptz '${START}' + make_interval(secs => i * ${stepS}) as t
          from generate_series(1, ${logouts}) i) s;
    insert into room_events (event, app_id, room_id, room_seq, event_at, user_account, nickname, session_id, role_code,
                             login_at, sent_at, dedup_key, payload)
    select 'room_login', app, room, 1, t, usr, 'nick' || (i % ${users}), i, 2, t, t, 'login' || i,
           jsonb_build_object('event', 'room_login', 'appid', app, 'room_id', room, 'user_account', usr, 'session_id', i::text)
    from (select i, case when i % 10 = 0 then '2' else '1' end as app, 'room' || (i % ${rooms}) as room,
                 'user' || (i % ${users}) as usr,
                 timestamptz '${START}' + make_interval(secs => i * ${stepS}) - make_interval(secs => i % 3600) as t
          from generate_series(1, ${logouts}) i) s;
    insert into rooms (app_id, room_id, current_seq, updated_at)
    select app_id, room_id, 1, max(event_at) from room_events group by app_id, room_id;
    insert into room_lifecycles (room_pk, room_seq, created_at, first_event_at, last_event_at)
    select id, 1, timestamptz '${START}', timestamptz '${START}', updated_at from rooms;
  `);
  await admin.unsafe('vacuum analyze');
  // The load leaves about a gigabyte of dirty pages, which the next checkpoint would write out over
  // minutes (checkpoint_completion_target), while the latencies are being timed. Written now, that
  // I/O belongs to the load.
  await admin.unsafe('checkpoint');
  const appId = '1';
  const [middle] = await admin<{ logout_at: Date; id: string }[]>`
    select logout_at, id from room_events where event = 'room_logout' and app_id = ${appId}
    order by logout_at desc, id desc offset ${Math.floor((logouts * 0.9) / 2)} limit 1`;
  const windowStart = new Date(Date.parse(START) + (SPAN_S / 3) * 1000);
  return {
    logouts,
    appId,
    roomId: 'room17',
    userAccount: 'user17',
    window: { from: windowStart, to: new Date(windowStart.getTime() + 86_400_000) },
    middle: { logoutAt: middle!.logout_at, id: Number(middle!.id) },
  };
}
