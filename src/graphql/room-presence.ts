import { Repeater } from '@repeaterjs/repeater';
import type { PresenceChangeRow } from '../db/presence-log.js';
import { readRoomSnapshot, type RoomKey } from '../db/room-queries.js';
import { resolveAppId } from './app-scope.js';
import { builder } from './builder.js';
import type { GraphQLContext } from './context.js';
import { badUserInput } from './errors.js';
import { LogoutEvent } from './logout-events.js';
import { encodeCursor } from './pagination.js';
import { Room, RoomMember, unseenRoom, type RoomMemberShape, type RoomShape } from './rooms.js';

/** Live presence of one room: a snapshot, then every change in the order it was applied. */

export type PresenceChangeKindName = 'SNAPSHOT' | 'JOINED' | 'LEFT' | 'ROOM_CLOSED';

export interface PresenceChangeShape {
  kind: PresenceChangeKindName;
  room: RoomKey;
  /** The room as it was read for a SNAPSHOT; other changes show the room as it is now. */
  snapshot: RoomShape | null;
  memberCount: number;
  member: Omit<RoomMemberShape, 'room'> | null;
  logoutEventId: number | null;
  version: number;
}

const PresenceChangeKind = builder.enumType('PresenceChangeKind', {
  values: {
    SNAPSHOT: { description: 'The room as it is when the subscription starts.' },
    JOINED: { description: 'This member is now present with this session (a re-login replaces a present session; upsert by userAccount).' },
    LEFT: { description: 'The member is gone.' },
    ROOM_CLOSED: { description: 'The room closed, or a newer lifecycle replaced its members: nobody is present.' },
  } as const,
});

const PresenceChange = builder.objectRef<PresenceChangeShape>('PresenceChange');

/** A cursor names its room, so that it cannot be replayed against another one. */
const presenceCursor = (room: RoomKey, version: number) => encodeCursor('presence', [room.appId, room.roomId, version]);

function decodePresenceCursor(after: string, roomId: string): { appId: string; version: number } {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
  } catch {
    parts = undefined;
  }
  const [list, appId, cursorRoomId, version] = Array.isArray(parts) ? parts : [];
  if (list !== 'presence' || typeof appId !== 'string' || typeof cursorRoomId !== 'string' || !Number.isSafeInteger(version) || (version as number) < 0) {
    throw badUserInput('after', 'after is not a roomPresence cursor: pass the cursor of a change this subscription returned');
  }
  if (cursorRoomId !== roomId) throw badUserInput('after', 'after is the cursor of another room');
  return { appId, version: version as number };
}

async function roomOf(change: PresenceChangeShape, { feeds }: GraphQLContext): Promise<RoomShape> {
  return change.snapshot ?? (await feeds.presence.roomNow(change.room)) ?? unseenRoom(change.room);
}

PresenceChange.implement({
  description: 'A change of who is in a room.',
  authScopes: { presence: true },
  fields: (t) => ({
    kind: t.field({ type: PresenceChangeKind, resolve: (change) => change.kind }),
    room: t.field({ type: Room, resolve: (change, _args, context) => roomOf(change, context) }),
    memberCount: t.exposeInt('memberCount', { description: 'How many members are present after this change.' }),
    member: t.field({
      type: RoomMember,
      nullable: true,
      description: 'For JOINED and LEFT: who.',
      resolve: async (change, _args, context) => change.member && { ...change.member, room: await roomOf(change, context) },
    }),
    logout: t.field({
      type: LogoutEvent,
      nullable: true,
      description: 'For LEFT: the logout that ended the session.',
      resolve: (change, _args, { loaders }) => (change.logoutEventId === null ? null : loaders.logoutById.load(change.logoutEventId)),
    }),
    cursor: t.string({
      description: 'Pass as `after` to resume right after this change.',
      resolve: (change) => presenceCursor(change.room, change.version),
    }),
  }),
});

function snapshotChange(room: RoomShape): PresenceChangeShape {
  const key = { appId: room.appId, roomId: room.roomId };
  return { kind: 'SNAPSHOT', room: key, snapshot: room, memberCount: room.memberCount, member: null, logoutEventId: null, version: room.version };
}

function toChange(row: PresenceChangeRow, room: RoomKey): PresenceChangeShape {
  const member =
    row.userAccount === null
      ? null
      : {
          userAccount: row.userAccount,
          nickname: row.nickname ?? '',
          sessionId: row.sessionId ?? '0',
          roleCode: row.roleCode ?? 0,
          loginAt: row.loginAt ?? new Date(0),
        };
  return {
    kind: row.kind,
    room,
    snapshot: null,
    memberCount: row.memberCount,
    member,
    logoutEventId: row.kind === 'LEFT' ? row.eventId : null,
    version: row.version,
  };
}

/**
 * The stream of one subscription. The room's feed is watched before the snapshot is read, so no
 * change can fall between the two; with a cursor, the log is replayed from it instead. Everything
 * the subscription holds is released when its consumer stops.
 */
function followRoom(context: GraphQLContext, roomId: string, appId: string | null, after: number | null): AsyncIterable<PresenceChangeShape> {
  const { db, feeds } = context;
  return new Repeater<PresenceChangeShape>(async (push, stop) => {
    const cleanups: (() => void)[] = [];
    const stopped = stop.then(() => null);
    try {
      let app = appId;
      let from = after;
      if (app === null) {
        // No app has data yet: the room is empty, and whichever app's events arrive first is the one followed.
        let onApp!: (found: string) => void;
        const appeared = new Promise<string>((resolve) => (onApp = resolve));
        cleanups.push(feeds.presence.whenRoomAppears(roomId, onApp));
        await push(snapshotChange(unseenRoom({ appId: '', roomId })));
        app = await Promise.race([appeared, stopped]);
        if (app === null) return;
        from = 0;
      }
      const room = { appId: app, roomId };
      const watch = feeds.presence.watch(room);
      cleanups.push(() => watch.release());
      if (from === null) {
        const snapshot = await readRoomSnapshot(db, room);
        const view = snapshot.room ? { ...snapshot.room, snapshotMembers: snapshot.members } : unseenRoom(room);
        await push(snapshotChange(view));
        from = view.version;
      }
      const changes = watch.changesAfter(from);
      cleanups.push(() => void changes.return?.());
      void stopped.then(() => changes.return?.());
      for await (const row of changes) await push(toChange(row, room));
    } finally {
      for (const cleanup of cleanups) cleanup();
    }
  });
}

builder.subscriptionField('roomPresence', (t) =>
  t.field({
    type: PresenceChange,
    authScopes: { presence: true },
    description:
      'First a SNAPSHOT of the room as it is, then every change in order. With `after`, instead of the snapshot: every change since that cursor, then live, with no gap and no repeat.',
    args: {
      appId: t.arg.string({ description: 'Required once the service holds data of more than one app.' }),
      roomId: t.arg.string({ required: true }),
      after: t.arg.string({ description: 'The cursor of the last change received, to resume after a disconnect.' }),
    },
    subscribe: async (_root, args, context) => {
      const cursor = args.after == null ? null : decodePresenceCursor(args.after, args.roomId);
      const appId = await resolveAppId(context.db, args.appId ?? cursor?.appId);
      if (cursor && appId !== cursor.appId) throw badUserInput('after', 'after is the cursor of another app');
      return followRoom(context, args.roomId, appId, cursor?.version ?? null);
    },
    resolve: (change) => change,
  }),
);
