/**
 * The floor of the ingest section: a callback receiver doing only what the issue's naive
 * transaction does, in the two ways the issue names to get past that transaction, and once more
 * with the locks and reads that a receiver planning in the application adds to it. Node's HTTP
 * server, the body parsed and its signature checked with the service's own check, then the naive
 * transaction's four rows per callback (the room's version and count, the event, the member, the
 * presence change), with the callbacks that arrive while a transaction is in flight committed
 * together: at most two transactions at once, 64 callbacks each, as the service batches. Nothing
 * else: no lifecycle, duplicate or ordering checks, no logging, metrics or change notices.
 *
 * - WRITES=statements: each callback's four statements as the naive transaction sends them,
 *   pipelined in the batch's transaction (committing concurrent callbacks together).
 * - WRITES=set: the batch's rows written by one statement, data-modifying CTEs over a JSON list
 *   of the callbacks (leaner SQL per event as well).
 * - WRITES=locked-set: the shape of a receiver that keeps its rules in the application, at its
 *   leanest: in one transaction per batch, the batch's rooms locked (one statement), the state its
 *   rules would need read (the members, the lifecycles and the duplicate keys, one statement, rows
 *   returned), then the set statement above. Nothing is decided from what is read, so this is
 *   what such a receiver could reach at best.
 *
 * What each reaches is what a Node service can take on this machine with the load generator
 * and PostgreSQL beside it, before it does any work of its own.
 *
 * Run in its own process:
 *   PORT=<port> DATABASE_URL=<url> ZEGO_CALLBACK_SECRET=<secret> WRITES=statements|set|locked-set APPLICATION_NAME=<name> node --import tsx bench/lib/bare-ingest-server.ts
 */
import { createServer, type ServerResponse } from 'node:http';
import postgres from 'postgres';
import { isValidSignature } from '../../src/callbacks/signature.js';
import { BARE_INGEST_WRITES, type BareIngestWrites } from './service.js';

type Fields = Record<string, string>;

interface Pending {
  fields: Fields;
  done: (error?: unknown) => void;
}

const secret = process.env.ZEGO_CALLBACK_SECRET ?? '';
const writes = (process.env.WRITES ?? 'statements') as BareIngestWrites;
if (!BARE_INGEST_WRITES.includes(writes)) throw new Error(`WRITES must be one of ${BARE_INGEST_WRITES.join(', ')}, not ${writes}`);
// Named so that the bench can find these connections' backends and read their CPU time.
const db = postgres(process.env.DATABASE_URL ?? '', { max: 2, connection: { application_name: process.env.APPLICATION_NAME ?? '' }, onnotice: () => {} });

const isLogin = (f: Fields) => f.event === 'room_login';
const at = (ms: string | undefined) => (ms === undefined ? null : new Date(Number(ms)));
const leftAt = (f: Fields) => (isLogin(f) ? null : at(f.logout_time));
const eventAt = (f: Fields) => at(isLogin(f) ? f.login_time : f.logout_time);
// Unique per callback of the bench's load, as the event log's (app, room, dedup key) index requires.
const dedupKey = (f: Fields) => `${f.event}:${f.user_account}:${f.session_id}`;

async function writeStatements(tx: postgres.TransactionSql, f: Fields): Promise<void> {
  const login = isLogin(f);
  const [room] = await tx<{ id: number; version: number; memberCount: number }[]>`
    update rooms set version = version + 1,
      member_count = ${login ? tx`member_count + 1` : tx`greatest(member_count - 1, 0)`}, updated_at = now()
    where app_id = ${f.appid!} and room_id = ${f.room_id!}
    returning id, version, member_count as "memberCount"`;
  if (room === undefined) throw new Error(`no room ${f.appid}/${f.room_id}`);
  const [event] = await tx<{ id: number }[]>`
    insert into room_events (event, app_id, room_id, room_seq, event_at, sent_at, dedup_key, user_account, nickname,
      session_id, role_code, login_at, logout_at, logout_reason, user_update_seq, payload)
    values (${f.event!}, ${f.appid!}, ${f.room_id!}, ${f.room_seq!}, ${eventAt(f)}, ${new Date(Number(f.timestamp) * 1000)},
      ${dedupKey(f)}, ${f.user_account!}, ${f.user_nickname!}, ${f.session_id!}, ${Number(f.user_role)}, ${at(f.login_time)},
      ${leftAt(f)}, ${login ? null : Number(f.reason)}, ${Number(f.user_update_seq)}, ${JSON.stringify(f)}::jsonb)
    returning id`;
  await tx`
    insert into room_members (room_pk, user_account, nickname, role_code, session_id, login_at, logout_at)
    values (${room.id}, ${f.user_account!}, ${f.user_nickname!}, ${Number(f.user_role)}, ${f.session_id!}, ${at(f.login_time)}, ${leftAt(f)})
    on conflict (room_pk, user_account) do update set nickname = excluded.nickname, session_id = excluded.session_id,
      role_code = excluded.role_code, login_at = excluded.login_at, logout_at = excluded.logout_at`;
  await tx`
    insert into presence_changes (room_pk, version, kind, room_seq, member_count, user_account, nickname, session_id, role_code, login_at, event_id)
    values (${room.id}, ${room.version}, ${login ? 'JOINED' : 'LEFT'}, ${f.room_seq!}, ${room.memberCount}, ${f.user_account!},
      ${f.user_nickname!}, ${f.session_id!}, ${Number(f.user_role)}, ${at(f.login_time)}, ${event!.id})`;
}

// Each room's version and count move once for the batch; every callback's change gets its own
// version and count from its place among the room's callbacks (`k`, `running`).
const SET_WRITE = `
with ev as (
  select e.*, row_number() over w as k, sum(case when e.event = 'room_login' then 1 else -1 end) over w as running
  from json_to_recordset($1::text::json) as e(i int, event room_event_type, app_id text, room_id text, room_seq numeric,
    event_at timestamptz, sent_at timestamptz, dedup_key text, user_account text, nickname text, session_id numeric,
    role_code int, login_at timestamptz, logout_at timestamptz, logout_reason int, user_update_seq bigint, payload text)
  window w as (partition by e.app_id, e.room_id order by e.i)
), per_room as (
  select app_id, room_id, count(*) as n, sum(case when event = 'room_login' then 1 else -1 end) as delta
  from ev group by app_id, room_id
), room as (
  update rooms r set version = r.version + p.n, member_count = greatest(r.member_count + p.delta, 0), updated_at = now()
  from per_room p where r.app_id = p.app_id and r.room_id = p.room_id
  returning r.id, r.app_id, r.room_id, r.version - p.n as base_version, r.member_count - p.delta as base_count
), event as (
  insert into room_events (event, app_id, room_id, room_seq, event_at, sent_at, dedup_key, user_account, nickname,
    session_id, role_code, login_at, logout_at, logout_reason, user_update_seq, payload)
  select event, app_id, room_id, room_seq, event_at, sent_at, dedup_key, user_account, nickname,
    session_id, role_code, login_at, logout_at, logout_reason, user_update_seq, payload::jsonb
  from ev order by i
  returning id, app_id, room_id, dedup_key
), member as (
  insert into room_members (room_pk, user_account, nickname, role_code, session_id, login_at, logout_at)
  select distinct on (room.id, ev.user_account) room.id, ev.user_account, ev.nickname, ev.role_code, ev.session_id, ev.login_at, ev.logout_at
  from ev join room using (app_id, room_id) order by room.id, ev.user_account, ev.i desc
  on conflict (room_pk, user_account) do update set nickname = excluded.nickname, session_id = excluded.session_id,
    role_code = excluded.role_code, login_at = excluded.login_at, logout_at = excluded.logout_at
)
insert into presence_changes (room_pk, version, kind, room_seq, member_count, user_account, nickname, session_id, role_code, login_at, event_id)
select room.id, room.base_version + ev.k, case when ev.event = 'room_login' then 'JOINED'::presence_change_kind else 'LEFT' end,
  ev.room_seq, greatest(room.base_count + ev.running, 0), ev.user_account, ev.nickname, ev.session_id, ev.role_code, ev.login_at, event.id
from ev join room using (app_id, room_id) join event using (app_id, room_id, dedup_key)`;

const setRows = (batch: Pending[]) =>
  JSON.stringify(
    batch.map(({ fields: f }, i) => ({
      i, event: f.event, app_id: f.appid, room_id: f.room_id, room_seq: f.room_seq, event_at: eventAt(f),
      sent_at: new Date(Number(f.timestamp) * 1000), dedup_key: dedupKey(f), user_account: f.user_account,
      nickname: f.user_nickname, session_id: f.session_id, role_code: Number(f.user_role), login_at: at(f.login_time),
      logout_at: leftAt(f), logout_reason: isLogin(f) ? null : Number(f.reason), user_update_seq: Number(f.user_update_seq),
      payload: JSON.stringify(f),
    })),
  );

// Locked in one order (app, room) by every batch, as the service locks them.
const LOCK_ROOMS = `
select r.id, k.app_id, k.room_id from json_to_recordset($1::text::json) as k(app_id text, room_id text)
cross join lateral (select id from rooms where app_id = k.app_id and room_id = k.room_id limit 1 for update) as r`;

// What a batch's rules read once its rooms are locked: each key one index probe, the rows returned.
const READ_STATE = `
with ev as (
  select * from json_to_recordset($1::text::json) as e(room_pk bigint, app_id text, room_id text, room_seq numeric, user_account text, dedup_key text)
)
select
  (select json_agg(m) from (select distinct room_pk, user_account from ev) as k
    cross join lateral (select * from room_members where room_pk = k.room_pk and user_account = k.user_account limit 1) as m) as members,
  (select json_agg(l) from (select distinct room_pk, room_seq from ev) as k
    cross join lateral (select * from room_lifecycles where room_pk = k.room_pk and room_seq = k.room_seq limit 1) as l) as lifecycles,
  (select json_agg(d) from ev
    cross join lateral (select dedup_key from room_events where app_id = ev.app_id and room_id = ev.room_id and dedup_key = ev.dedup_key limit 1) as d) as stored`;

const roomKeys = (batch: Pending[]) =>
  JSON.stringify(
    [...new Map(batch.map(({ fields: f }) => [`${f.appid}\u0000${f.room_id}`, { app_id: f.appid, room_id: f.room_id }])).entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, key]) => key),
  );

// Keyed by the locked rooms' ids: joined against the JSON by (app, room), the rooms table was a
// sequential scan per batch (a JSON list is planned for a guessed 100 rows).
const stateKeys = (batch: Pending[], roomPks: Map<string, number>) =>
  JSON.stringify(
    batch.map(({ fields: f }) => ({
      room_pk: roomPks.get(`${f.appid}\u0000${f.room_id}`), app_id: f.appid, room_id: f.room_id, room_seq: f.room_seq,
      user_account: f.user_account, dedup_key: dedupKey(f),
    })),
  );

async function writeBatch(batch: Pending[]): Promise<void> {
  if (writes === 'locked-set') {
    await db.begin(async (tx) => {
      const locked = await tx.unsafe<{ id: string; app_id: string; room_id: string }[]>(LOCK_ROOMS, [roomKeys(batch)], { prepare: true });
      const roomPks = new Map(locked.map((r) => [`${r.app_id}\u0000${r.room_id}`, Number(r.id)]));
      await tx.unsafe(READ_STATE, [stateKeys(batch, roomPks)], { prepare: true });
      await tx.unsafe(SET_WRITE, [setRows(batch)], { prepare: true });
    });
    return;
  }
  if (writes === 'set') {
    // Two batches may lock the same rooms in different orders; PostgreSQL then aborts one of them.
    for (let attempt = 1; ; attempt += 1) {
      try {
        await db.unsafe(SET_WRITE, [setRows(batch)], { prepare: true });
        return;
      } catch (error) {
        if (attempt >= 5 || (error as { code?: string }).code !== '40P01') throw error;
      }
    }
  }
  // Rooms locked in one order by every batch, so that two batches never deadlock.
  const ordered = [...batch].sort((a, b) => a.fields.room_id!.localeCompare(b.fields.room_id!));
  await db.begin((tx) => Promise.all(ordered.map((p) => writeStatements(tx, p.fields))));
}

const queue: Pending[] = [];
let inFlight = 0;

function pump(): void {
  while (inFlight < 2 && queue.length > 0) {
    const batch = queue.splice(0, 64);
    inFlight += 1;
    writeBatch(batch)
      .then(
        () => batch.forEach((p) => p.done()),
        (error: unknown) => batch.forEach((p) => p.done(error)),
      )
      .finally(() => {
        inFlight -= 1;
        pump();
      });
  }
}

function answer(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(body);
}

const server = createServer((request, response) => {
  if (request.method !== 'POST') return answer(response, 200, '{"status":"ok"}');
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    let fields: Fields;
    try {
      fields = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Fields;
    } catch {
      return answer(response, 400, '{"error":"the body is not JSON"}');
    }
    if (!isValidSignature(secret, String(fields.timestamp), String(fields.nonce), String(fields.signature))) {
      return answer(response, 401, '{"error":"bad signature"}');
    }
    queue.push({
      fields,
      done: (error) => (error === undefined ? answer(response, 200, '{"status":"applied"}') : answer(response, 500, JSON.stringify({ error: String(error) }))),
    });
    pump();
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => {
  server.close();
  void db.end({ timeout: 5 }).then(() => process.exit(0));
});
