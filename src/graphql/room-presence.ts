import type { PresenceChangeRow } from '../db/presence-log.js';
import type { RoomWatch } from '../pubsub/presence-feeds.js';
import { DONE, SerialIterator } from '../pubsub/serial-iterator.js';
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
      // Under fan-out most subscribers select the member without its room: reading the room for
      // each change only to drop it was a database round trip per change.
      resolve: (change, _args, context) => change.member && { ...change.member, room: () => roomOf(change, context) },
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
function followRoom(context: GraphQLContext, roomId: string, appId: string | null, after: number | null): AsyncIterableIterator<PresenceChangeShape> {
  return new RoomFollower(context, roomId, appId, after);
}

/**
 * Finds the room's app (waiting for it if no app has data yet), watches the room and reads its
 * snapshot, then hands every later read to the room's feed. The snapshot is not kept once handed out.
 */
class RoomFollower extends SerialIterator<PresenceChangeShape> {
  private readonly db: GraphQLContext['db'];
  private readonly feeds: GraphQLContext['feeds'];
  private started = false;
  private finished = false;
  /** While no app has data yet: resolves with the first app whose events arrive, or null once returned. */
  private appeared: Promise<string | null> | null = null;
  private settleApp: ((appId: string | null) => void) | null = null;
  private stopWaitingForApp: (() => void) | null = null;
  private watch: RoomWatch | null = null;
  private changes: AsyncIterator<PresenceChangeShape> | null = null;

  constructor(
    context: GraphQLContext,
    private readonly roomId: string,
    private app: string | null,
    private from: number | null,
  ) {
    super();
    this.db = context.db;
    this.feeds = context.feeds;
  }

  protected async step(): Promise<IteratorResult<PresenceChangeShape>> {
    try {
      if (this.finished) return DONE;
      if (!this.started) {
        this.started = true;
        if (this.app === null) {
          // No app has data yet: the room is empty, and whichever app's events arrive first is the one followed.
          this.appeared = new Promise<string | null>((resolve) => (this.settleApp = resolve));
          this.stopWaitingForApp = this.feeds.presence.whenRoomAppears(this.roomId, (found) => this.settleApp?.(found));
          return { value: snapshotChange(unseenRoom({ appId: '', roomId: this.roomId })), done: false };
        }
      }
      if (this.app === null) {
        const app = await this.appeared;
        if (app === null || this.finished) return DONE;
        this.app = app;
        this.from = 0;
        this.appeared = this.settleApp = null;
        this.stopWaitingForApp?.();
        this.stopWaitingForApp = null;
      }
      const room = { appId: this.app, roomId: this.roomId };
      this.watch = this.feeds.presence.watch(room);
      if (this.from === null) {
        const view = await readSnapshotView(this.db, room);
        if (this.finished) return DONE;
        this.changes = this.watch.changesAfter(view.version, toChange);
        this.handOver(this.changes);
        return { value: snapshotChange(view), done: false };
      }
      this.changes = this.watch.changesAfter(this.from, toChange);
      this.handOver(this.changes);
      return await this.changes.next();
    } catch (error) {
      this.finish();
      throw error;
    }
  }

  /** Releases everything the subscription holds; a read waiting for a change or an app ends. */
  protected finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.stopWaitingForApp?.();
    this.settleApp?.(null);
    void this.changes?.return?.();
    this.watch?.release();
  }
}

async function readSnapshotView(db: GraphQLContext['db'], room: RoomKey): Promise<RoomShape> {
  const snapshot = await readRoomSnapshot(db, room);
  return snapshot.room ? { ...snapshot.room, snapshotMembers: snapshot.members } : unseenRoom(room);
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
