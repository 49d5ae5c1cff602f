import { countLogouts, findLogoutPage, matchesLogoutCriteria, type LogoutCriteria, type LogoutRecord, type PagedLogout } from '../db/logout-history.js';
import { logoutReason, reasonCodesFor, roleCodesFor, userRole } from '../presence/codes.js';
import { resolveAppId } from './app-scope.js';
import { builder } from './builder.js';
import { LogoutReasonEnum, UserRoleEnum } from './enums.js';
import { decodeCursor, emptyPage, encodeCursor, isInstantMs, pageArgs, pageOf, pageSize } from './pagination.js';
import { Room } from './rooms.js';
import { selects } from './selection.js';

/** The logout history: who left which room, when, why, and after how long. */

/** A logout; one read by a history page may carry its room, read in the page's own statement. */
export type LogoutEventShape = PagedLogout;

export const LogoutEvent = builder.objectRef<LogoutEventShape>('LogoutEvent');

LogoutEvent.implement({
  description: 'One room_logout callback: a user session that ended.',
  authScopes: { history: true },
  interfaces: [builder.nodeInterfaceRef()],
  fields: (t) => ({
    id: t.globalID({ resolve: (logout) => ({ type: 'LogoutEvent', id: String(logout.id) }) }),
    appId: t.exposeString('appId'),
    roomId: t.exposeString('roomId'),
    roomSeq: t.exposeString('roomSeq', { description: 'The room lifecycle (ZEGO room_seq) the session was in, as an exact decimal.' }),
    userAccount: t.exposeString('userAccount'),
    nickname: t.exposeString('nickname'),
    sessionId: t.exposeString('sessionId', { description: 'ZEGO session_id, as an exact decimal.' }),
    role: t.field({ type: UserRoleEnum, resolve: (logout) => userRole(logout.roleCode) }),
    roleCode: t.exposeInt('roleCode', { description: "ZEGO's user_role code." }),
    reason: t.field({ type: LogoutReasonEnum, resolve: (logout) => logoutReason(logout.reasonCode) }),
    reasonCode: t.exposeInt('reasonCode', { description: "ZEGO's logout reason code as sent." }),
    loginAt: t.expose('loginAt', {
      type: 'DateTime',
      nullable: true,
      description: 'Null only for a legacy logout (no login_time) whose login was never seen.',
    }),
    logoutAt: t.expose('logoutAt', { type: 'DateTime' }),
    sessionDurationMs: t.float({
      nullable: true,
      description: 'logoutAt - loginAt in milliseconds; null when loginAt is.',
      resolve: (logout) => (logout.loginAt === null ? null : logout.logoutAt.getTime() - logout.loginAt.getTime()),
    }),
    userUpdateSeq: t.exposeString('userUpdateSeq', { nullable: true, description: 'ZEGO user_update_seq, as an exact decimal.' }),
    receivedAt: t.expose('receivedAt', { type: 'DateTime', description: 'When this service received the callback.' }),
    room: t.field({
      type: Room,
      nullable: true,
      description: 'The room as it is now.',
      resolve: (logout, _args, { loaders }) =>
        logout.room !== undefined ? logout.room : loaders.roomByKey.load({ appId: logout.appId, roomId: logout.roomId }),
    }),
  }),
});

export const LogoutEventFilter = builder.inputType('LogoutEventFilter', {
  description: 'Which logouts to include; every field given must match. A list matches any of its values; an empty list matches nothing.',
  fields: (t) => ({
    appId: t.string({ description: 'Required once the service holds data of more than one app.' }),
    roomId: t.string(),
    userAccount: t.string(),
    reasons: t.field({ type: [LogoutReasonEnum] }),
    roles: t.field({ type: [UserRoleEnum] }),
    from: t.field({ type: 'DateTime', description: 'logoutAt >= from' }),
    to: t.field({ type: 'DateTime', description: 'logoutAt < to' }),
  }),
});

export type LogoutEventFilterInput = typeof LogoutEventFilter.$inferInput;

/** The storage criteria of a filter, once the app is known (see resolveAppId). */
export function logoutCriteria(filter: LogoutEventFilterInput | null | undefined, appId: string): LogoutCriteria {
  return {
    appId,
    roomId: filter?.roomId,
    userAccount: filter?.userAccount,
    reasons: filter?.reasons == null ? null : reasonCodesFor(filter.reasons),
    roles: filter?.roles == null ? null : roleCodesFor(filter.roles),
    from: filter?.from,
    to: filter?.to,
  };
}

const LogoutEventConnection = builder.connectionObject(
  { type: LogoutEvent, name: 'LogoutEventConnection' },
  { name: 'LogoutEventEdge' },
);

// Newest first by logout time, then id: the cursor holds both, so pages never overlap or skip,
// however many logouts arrive while a client pages.
const logoutCursor = (logout: LogoutRecord) => encodeCursor('logouts', [logout.logoutAt.getTime(), logout.id]);
const logoutPosition = (parts: unknown[]) => {
  const [logoutAtMs, id] = parts;
  return parts.length === 2 && isInstantMs(logoutAtMs) && Number.isSafeInteger(id)
    ? { logoutAt: new Date(logoutAtMs), id: id as number }
    : undefined;
};

builder.queryField('logoutEvents', (t) =>
  t.field({
    type: LogoutEventConnection,
    authScopes: { history: true },
    description: 'Logouts matching the filter, newest logoutAt first.',
    args: {
      filter: t.arg({ type: LogoutEventFilter }),
      ...pageArgs(),
    },
    resolve: async (_root, args, { db }, info) => {
      const limit = pageSize(args.first);
      const after = decodeCursor('logouts', args.after, logoutPosition);
      const appId = await resolveAppId(db, args.filter?.appId);
      if (appId === null) return emptyPage<PagedLogout>();
      const criteria = logoutCriteria(args.filter, appId);
      const withRooms = selects(info, ['edges', 'node', 'room']);
      const rows = await findLogoutPage(db, criteria, { after, limit: limit + 1, withRooms });
      return pageOf(rows, limit, logoutCursor, (logout) => logout, () => countLogouts(db, criteria));
    },
  }),
);

builder.subscriptionField('logoutEvents', (t) =>
  t.field({
    type: LogoutEvent,
    authScopes: { history: true },
    description: 'Every new logout matching the filter, as it is stored.',
    args: { filter: t.arg({ type: LogoutEventFilter }) },
    subscribe: async (_root, args, { db, feeds }) => {
      const appId = await resolveAppId(db, args.filter?.appId);
      let criteria = appId === null ? null : logoutCriteria(args.filter, appId);
      return feeds.logouts.follow((logout) => {
        // Before any app has data, the first app whose logouts arrive is the one followed.
        criteria ??= logoutCriteria(args.filter, logout.appId);
        return matchesLogoutCriteria(criteria, logout);
      });
    },
    resolve: (logout) => logout,
  }),
);
