import { isCodeSelected } from '../db/code-selection.js';
import type { MemberPosition, PresentMember, RoomView } from '../db/room-queries.js';
import { countRooms, findRoomPage } from '../db/room-queries.js';
import { roleCodesFor, userRole } from '../presence/codes.js';
import { resolveAppId } from './app-scope.js';
import { builder } from './builder.js';
import { UserRoleEnum } from './enums.js';
import { decodeCursor, emptyPage, encodeCursor, isInstantMs, pageArgs, pageOf, pageSize } from './pagination.js';

/** Rooms and who is in them now. */

/**
 * A room as resolved. A presence SNAPSHOT carries the members it was read with, so that its
 * `members` are of exactly the version its cursor names.
 */
export type RoomShape = RoomView & { snapshotMembers?: PresentMember[] };
/** `room` may be a function: a member of a presence change reads its room only if a client asks for it. */
export type RoomMemberShape = Omit<PresentMember, 'roomPk'> & { room: RoomShape | (() => Promise<RoomShape>) };

export const Room = builder.objectRef<RoomShape>('Room');
export const RoomMember = builder.objectRef<RoomMemberShape>('RoomMember');

/** A Room's global id names the room by app and room id, so it means the same room on any replica or restore. */
export function roomNodeId(room: { appId: string; roomId: string }): string {
  return `${room.appId}:${room.roomId}`;
}

export function parseRoomNodeId(id: string): { appId: string; roomId: string } | null {
  // App ids are digits, so the first colon is the separator; a room id may contain colons.
  const match = /^(\d+):(.+)$/s.exec(id);
  return match ? { appId: match[1]!, roomId: match[2]! } : null;
}

const UpdateSeqGap = builder.objectRef<{ roomSeq: string; from: string; to: string }>('UpdateSeqGap').implement({
  description: 'A run of user_update_seq numbers never received: from..to, both included.',
  fields: (t) => ({
    roomSeq: t.exposeString('roomSeq', { description: 'The room lifecycle, as an exact decimal.' }),
    from: t.exposeString('from', { description: 'The first missing number.' }),
    to: t.exposeString('to', { description: 'The last missing number.' }),
  }),
});

const RoomMemberConnection = builder.connectionObject(
  { type: RoomMember, name: 'RoomMemberConnection' },
  { name: 'RoomMemberEdge' },
);

const memberCursor = (member: PresentMember) => encodeCursor('members', [member.loginAt.getTime(), member.userAccount]);
const memberPosition = (parts: unknown[]) => {
  const [loginAtMs, userAccount] = parts;
  return parts.length === 2 && isInstantMs(loginAtMs) && typeof userAccount === 'string'
    ? { loginAt: new Date(loginAtMs), userAccount }
    : undefined;
};

/**
 * The members of a list (in the database's order: login time, then user) after a cursor's
 * position. The cursor's own member is looked up first, since the database may order user ids
 * by a collation JavaScript does not share.
 */
function membersAfter(members: PresentMember[], position: MemberPosition | null): PresentMember[] {
  if (position === null) return members;
  const at = members.findIndex((m) => m.loginAt.getTime() === position.loginAt.getTime() && m.userAccount === position.userAccount);
  if (at >= 0) return members.slice(at + 1);
  return members.filter(
    (m) => m.loginAt.getTime() > position.loginAt.getTime() || (m.loginAt.getTime() === position.loginAt.getTime() && m.userAccount > position.userAccount),
  );
}

/** What a room never seen looks like: empty, closed, in no lifecycle yet. */
export function unseenRoom(key: { appId: string; roomId: string }): RoomShape {
  return {
    pk: 0,
    appId: key.appId,
    roomId: key.roomId,
    roomSeq: null,
    isOpen: false,
    memberCount: 0,
    version: 0,
    createdAt: null,
    closedAt: null,
    updatedAt: new Date(),
    snapshotMembers: [],
  };
}

Room.implement({
  description: 'A ZEGO room, identified within its app by roomId, as it is now.',
  authScopes: { presence: true },
  interfaces: [builder.nodeInterfaceRef()],
  fields: (t) => ({
    id: t.globalID({ resolve: (room) => ({ type: 'Room', id: roomNodeId(room) }) }),
    appId: t.exposeString('appId'),
    roomId: t.exposeString('roomId'),
    roomSeq: t.exposeString('roomSeq', {
      nullable: true,
      description: 'The current lifecycle of the room (ZEGO room_seq), as an exact decimal; null while unknown.',
    }),
    isOpen: t.exposeBoolean('isOpen', { description: 'Whether the current lifecycle has neither been closed nor replaced by a newer one.' }),
    memberCount: t.exposeInt('memberCount', { description: 'How many users are in the room now.' }),
    members: t.field({
      type: RoomMemberConnection,
      description: 'Who is in the room now, earliest login first.',
      args: {
        ...pageArgs(),
        role: t.arg({ type: UserRoleEnum, description: 'Only members with this role.' }),
      },
      resolve: async (room, args, { loaders }) => {
        const limit = pageSize(args.first);
        const after = decodeCursor('members', args.after, memberPosition);
        const roles = args.role == null ? null : roleCodesFor([args.role]);
        if (room.snapshotMembers) {
          const selected = membersAfter(
            room.snapshotMembers.filter((m) => roles === null || isCodeSelected(roles, m.roleCode)),
            after,
          );
          return pageOf(selected.slice(0, limit + 1), limit, memberCursor, ({ roomPk: _, ...member }) => ({ ...member, room }), async () =>
            roles === null ? room.snapshotMembers!.length : room.snapshotMembers!.filter((m) => isCodeSelected(roles, m.roleCode)).length,
          );
        }
        const rows = await loaders.members.load({ roomPk: room.pk, query: { roles, after, limit: limit + 1 } });
        return pageOf(
          rows,
          limit,
          memberCursor,
          ({ roomPk: _, ...member }) => ({ ...member, room }),
          async () => (roles === null ? room.memberCount : loaders.memberCount.load({ roomPk: room.pk, roles })),
        );
      },
    }),
    updateSeqGaps: t.field({
      type: [UpdateSeqGap],
      description:
        "Numbers missing from the current lifecycle's user_update_seq: callbacks ZEGO lost (or that are still on their way). " +
        'While this is not empty, the member list may be stale.',
      resolve: (room, _args, { loaders }) =>
        room.roomSeq === null ? [] : loaders.updateSeqGaps.load({ appId: room.appId, roomId: room.roomId, roomSeq: room.roomSeq }),
    }),
    createdAt: t.expose('createdAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When ZEGO created the current lifecycle (room_create); null when that callback was not received.',
    }),
    closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true, description: 'When the current lifecycle was closed (room_close).' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When an event last changed this room.' }),
  }),
});

RoomMember.implement({
  description: 'A user present in a room now, with the session that is current.',
  authScopes: { presence: true },
  fields: (t) => ({
    userAccount: t.exposeString('userAccount'),
    nickname: t.exposeString('nickname'),
    sessionId: t.exposeString('sessionId', { description: 'ZEGO session_id, as an exact decimal.' }),
    role: t.field({ type: UserRoleEnum, resolve: (member) => userRole(member.roleCode) }),
    roleCode: t.exposeInt('roleCode', { description: "ZEGO's user_role code as sent." }),
    loginAt: t.expose('loginAt', { type: 'DateTime' }),
    room: t.field({ type: Room, resolve: (member) => (typeof member.room === 'function' ? member.room() : member.room) }),
  }),
});

const RoomConnection = builder.connectionObject({ type: Room, name: 'RoomConnection' }, { name: 'RoomEdge' });

const roomCursor = (room: RoomView) => encodeCursor('rooms', [room.roomId]);
const roomPosition = (parts: unknown[]) => (parts.length === 1 && typeof parts[0] === 'string' ? parts[0] : undefined);

builder.queryFields((t) => ({
  room: t.field({
    type: Room,
    nullable: true,
    authScopes: { presence: true },
    description: 'A room by its id; null for a room this service has never seen.',
    args: {
      appId: t.arg.string({ description: 'Required once the service holds data of more than one app.' }),
      roomId: t.arg.string({ required: true }),
    },
    resolve: async (_root, args, { db, loaders }) => {
      const appId = await resolveAppId(db, args.appId);
      return appId === null ? null : loaders.roomByKey.load({ appId, roomId: args.roomId });
    },
  }),
  rooms: t.field({
    type: RoomConnection,
    authScopes: { presence: true },
    description: 'The rooms of an app, by roomId.',
    args: {
      appId: t.arg.string({ description: 'Required once the service holds data of more than one app.' }),
      occupiedOnly: t.arg.boolean({ description: 'Only rooms with at least one member now.' }),
      ...pageArgs(),
    },
    resolve: async (_root, args, { db }) => {
      const limit = pageSize(args.first);
      const afterRoomId = decodeCursor('rooms', args.after, roomPosition);
      const appId = await resolveAppId(db, args.appId);
      if (appId === null) return emptyPage<RoomView>();
      const listing = { appId, occupiedOnly: args.occupiedOnly ?? false };
      const rows = await findRoomPage(db, listing, { afterRoomId, limit: limit + 1 });
      return pageOf(rows, limit, roomCursor, (room) => room, () => countRooms(db, listing));
    },
  }),
}));
