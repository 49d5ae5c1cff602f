import { openDatabase } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { dedupKey } from '../../src/presence/events.js';
import { applyRoomEvents, type AppliedEvent } from '../../src/presence/apply.js';
import { loginEvent, logoutEvent, toRoomEvent } from '../../test/support/zego.js';
import { createScratchDatabase } from './scratch-database.js';

/**
 * The pgbench limit of the ingest benchmark: the SQL statements the service sends for one login
 * and one logout callback, captured from the service's own write path (so the limit follows the
 * code) and turned into pgbench scripts. Values that must differ per transaction become pgbench
 * variables, found by value: the sample event uses sentinel values no other parameter can have.
 */

export interface PgbenchScripts {
  login: string;
  logout: string;
  /** The same, with a pg_notify in the transaction: the other way to tell instances of a change. */
  loginNotify: string;
  logoutNotify: string;
  /**
   * The naive transaction the issue sizes the service against: the same four rows written (the
   * event, the room's counters, the member, the presence change) in four statements, with none of
   * the reads, locks or lifecycle the service keeps. naiveWrites() says how it is made.
   */
  loginNaive: string;
  logoutNaive: string;
  /** Constant parameters, passed with -D name=value. */
  constants: Record<string, string>;
  /** Statements per callback, as the service sent them (without BEGIN/COMMIT). */
  statements: number;
}

const SAMPLE = {
  appId: '1',
  roomId: 'bench-sample-room',
  user: 'bench-sample-user',
  session: '777000111222',
  // Counters are pushed far from every small constant (role 2, reason 0, update seq 1) so that a
  // parameter equal to one of them is known to be that counter.
  roomPk: 60_001,
  version: 500_000,
  memberCount: 300,
  eventId: 7_000_000,
};

interface Captured {
  sql: string;
  params: unknown[];
}

/** The statement that locks the room's row and reads its counters (room-state.ts lockRooms). */
const ROOM_LOCK = /^select .* from "rooms" where .* for update\) as "rooms"/;

/** Per-transaction values the scripts set before BEGIN; rooms are "1".."rooms", as the HTTP load uses. */
const prelude = (rooms: number) => [
  `\\set room random(1, ${rooms})`,
  '\\set user random(1, 1000000000000)',
  '\\set key random(1, 9000000000000000000)',
];

export async function capturePgbenchScripts(serverUrl: string, rooms: number): Promise<PgbenchScripts> {
  const scratch = await createScratchDatabase(serverUrl, 'capture');
  const captured: Captured[] = [];
  let capturing = false;
  const handle = await openDatabase({ kind: 'postgres', url: scratch.url }, {
    onQuery: (sql, params) => {
      if (capturing) captured.push({ sql, params });
    },
  });
  try {
    await migrateDatabase(handle);
    await scratch.admin.unsafe(`select setval(pg_get_serial_sequence('rooms', 'id'), ${SAMPLE.roomPk - 1})`);
    const now = Date.now();
    const room = { appId: SAMPLE.appId, roomId: SAMPLE.roomId };
    await applyRoomEvents(handle.db, [await toRoomEvent(loginEvent({ ...room, user: 'warm-up', session: '1', at: now - 60_000, updateSeq: 1 }))]);
    await scratch.admin.unsafe(`update rooms set version = ${SAMPLE.version}, member_count = ${SAMPLE.memberCount}`);
    await scratch.admin.unsafe(`select setval(pg_get_serial_sequence('room_events', 'id'), ${SAMPLE.eventId})`);

    const user = { ...room, user: SAMPLE.user, nickname: SAMPLE.user, session: SAMPLE.session, role: 2 };
    const login = await toRoomEvent(loginEvent({ ...user, at: now - 30_000, updateSeq: 1 }));
    const logout = await toRoomEvent(logoutEvent({ ...user, loginAt: now - 30_000, at: now - 1_000, updateSeq: 2, reason: 0 }));

    const constants: Record<string, string> = {};
    const script = async (event: typeof login, name: 'login' | 'logout', after: { version: number; count: number }) => {
      captured.length = 0;
      capturing = true;
      const [outcome] = await applyRoomEvents(handle.db, [event]);
      capturing = false;
      if (outcome?.status !== 'applied') throw new Error(`the sample ${name} was not applied`);
      const eventId = (outcome as AppliedEvent).eventId;
      const variables = new Map<unknown, string>([
        [SAMPLE.roomId, ':room'],
        [SAMPLE.user, ':user'],
        [SAMPLE.session, ':user'],
        [dedupKey(event), ':key'],
        [SAMPLE.roomPk, ':id'],
        [after.version, ':version1'],
        [after.count, ':count1'],
        [eventId, ':e_id'],
      ]);
      const used = new Set<string>();
      const bind = (value: unknown, constant: string): string => {
        if (value === null) return 'NULL';
        const variable = variables.get(value);
        if (variable) {
          used.add(variable);
          return variable;
        }
        if (typeof value === 'string' && rowsOfJson(value)) return jsonExpression(value, constant, variables, used, constants);
        constants[constant] = value instanceof Date ? value.toISOString() : String(value);
        return `:${constant}`;
      };
      const lines = captured.map(({ sql, params }, i) => {
        const text = sql.replace(/\s+/g, ' ').trim().replace(/\$(\d+)/g, (_, n: string) => bind(params[Number(n) - 1], `${name}_${i}_${n}`));
        // The room row and the new event id feed the statements after them, as in the service.
        if (ROOM_LOCK.test(text)) {
          const count = name === 'login' ? ':member_count + 1' : 'greatest(:member_count - 1, 0)';
          return `${text} \\gset\n\\set version1 :version + 1\n\\set count1 ${count}`;
        }
        if (/^select nextval\(pg_get_serial_sequence\('room_events', 'id'\)\)/.test(text)) return `${text} \\gset e_`;
        return `${text};`;
      });
      const missing = [...new Set(variables.values())].filter((v) => !used.has(v));
      if (missing.length > 0) throw new Error(`the captured ${name} SQL never used ${missing.join(', ')}: update bench/lib/callback-sql.ts to the write path`);
      const naive = naiveWrites(lines, captured, name, (value, constant) => bind(value, `naive_${name}_${constant}`));
      return {
        text: [...prelude(1), 'BEGIN;', ...lines, 'COMMIT;', ''].join('\n'),
        naive: [...prelude(1), 'BEGIN;', ...naive, 'COMMIT;', ''].join('\n'),
        statements: captured.length,
      };
    };

    const loginScript = await script(login, 'login', { version: SAMPLE.version + 1, count: SAMPLE.memberCount + 1 });
    const logoutScript = await script(logout, 'logout', { version: SAMPLE.version + 2, count: SAMPLE.memberCount });
    const withRooms = (text: string) => text.replace(prelude(1)[0]!, prelude(rooms)[0]!);
    const withNotify = (text: string) => text.replace(/^COMMIT;$/m, "select pg_notify('presence_bench', :room::text);\nCOMMIT;");
    return {
      login: withRooms(loginScript.text),
      logout: withRooms(logoutScript.text),
      loginNotify: withNotify(withRooms(loginScript.text)),
      logoutNotify: withNotify(withRooms(logoutScript.text)),
      loginNaive: withRooms(loginScript.naive),
      logoutNaive: withRooms(logoutScript.naive),
      constants,
      statements: loginScript.statements,
    };
  } finally {
    await handle.close();
    await scratch.drop();
  }
}

/**
 * The captured script cut down to the naive transaction: the room's row is locked, read and
 * bumped by one UPDATE ... RETURNING (instead of SELECT ... FOR UPDATE and a later UPDATE), then
 * the event, the member and the presence change are inserted with plain VALUES, one parameter per
 * column, as a hand-written transaction would. The lifecycle, the member and duplicate reads and
 * the lifecycle upsert are left out.
 */
function naiveWrites(lines: string[], captured: Captured[], name: 'login' | 'logout', bind: (value: unknown, constant: string) => string): string[] {
  const find = (pattern: RegExp, what: string): string => {
    const line = lines.find((l) => pattern.test(l));
    if (!line) throw new Error(`the captured ${name} SQL has no ${what}: update naiveWrites in bench/lib/callback-sql.ts`);
    return line;
  };
  find(ROOM_LOCK, 'room lock');
  const roomWhere = `where "app_id" = ${bind(SAMPLE.appId, 'rooms_app_id')} and "room_id" = :room`;
  const count = name === 'login' ? 'member_count + 1' : 'greatest(member_count - 1, 0)';
  // The service's insert of `table`, written as INSERT ... VALUES from the one row it sent.
  const insertValues = (table: string, replace: Record<string, string> = {}): string => {
    const statement = captured.find((c) => c.sql.startsWith(`insert into "${table}" `));
    const row = statement && statement.params.map((p) => (typeof p === 'string' ? rowsOfJson(p) : undefined)).find((rows) => rows?.length === 1)?.[0];
    if (!statement || !row) throw new Error(`the captured ${name} SQL has no one-row insert into ${table}: update naiveWrites in bench/lib/callback-sql.ts`);
    const columns = Object.keys(row);
    const values = columns.map((column) => replace[column] ?? bind(row[column], `${table}_${column}`));
    const text = statement.sql.replace(/\s+/g, ' ').trim();
    const conflict = / (on conflict .*)$/.exec(text)?.[1] ?? '';
    // As the service wrote it: with its own ids (the events) or the table's.
    const overriding = / overriding system value /.test(text) ? ' overriding system value' : '';
    return `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')})${overriding} values (${values.join(', ')}) ${conflict}`.trim() + ';';
  };
  return [
    `update "rooms" set version = version + 1, member_count = ${count}, updated_at = now() ${roomWhere} returning id, version as version1, member_count as count1 \\gset`,
    // No id is reserved beforehand here: the event takes the next one, the change points at it.
    insertValues('room_events', { id: "nextval(pg_get_serial_sequence('room_events', 'id'))" }),
    insertValues('room_members'),
    insertValues('presence_changes', { event_id: "currval(pg_get_serial_sequence('room_events', 'id'))" }),
  ];
}

/** The rows of a JSON rows parameter (sql-fragments.ts insertRows), or undefined for any other text. */
function rowsOfJson(text: string): Record<string, unknown>[] | undefined {
  if (!text.startsWith('[{')) return undefined;
  try {
    const rows: unknown = JSON.parse(text);
    return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A JSON rows parameter as a pgbench expression: its text cut around the values that vary per
 * transaction, the pieces passed as constants (pgbench would take any `:word` inside a literal,
 * such as a time's minutes, for a variable) and joined with the variables by `||`. PostgreSQL
 * then receives the same JSON text the service sends, built per transaction.
 */
function jsonExpression(json: string, constant: string, variables: Map<unknown, string>, used: Set<string>, constants: Record<string, string>): string {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const byToken = new Map([...variables].map(([value, variable]) => [JSON.stringify(value), variable]));
  // A whole JSON value, not part of a longer one: after `:`, `,` or `[` and before `,`, `}` or `]`.
  const token = new RegExp(`(?<=[:,\\[])(${[...byToken.keys()].map(escape).join('|')})(?=[,}\\]])`, 'g');
  const parts: string[] = [];
  let pieces = 0;
  let last = 0;
  const literal = (text: string) => {
    if (text === '') return;
    const name = `${constant}_${pieces++}`;
    constants[name] = text;
    parts.push(parts.length === 0 ? `:${name}::text` : `:${name}`);
  };
  for (const match of json.matchAll(token)) {
    const text = match[1]!;
    // A string keeps its quotes in the literal pieces around the variable.
    const quote = text.startsWith('"') ? 1 : 0;
    literal(json.slice(last, match.index + quote));
    const variable = byToken.get(text)!;
    used.add(variable);
    parts.push(parts.length === 0 ? `${variable}::text` : variable);
    last = match.index + text.length - quote;
  }
  literal(json.slice(last));
  return `(${parts.join(' || ')})`;
}
