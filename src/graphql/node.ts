import { brandWithType } from '@pothos/core';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { builder } from './builder.js';
import { badUserInput } from './errors.js';
import { LogoutEvent } from './logout-events.js';
import { parseRoomNodeId, Room } from './rooms.js';

/** `node(id)`: refetching a Room or LogoutEvent by the id it was returned with. */

function decodeNodeId(id: string): { typename: string; id: string } {
  try {
    return decodeGlobalID(id);
  } catch {
    throw badUserInput('id', 'id is not an id this API returned');
  }
}

builder.queryField('node', (t) =>
  t.field({
    type: builder.nodeInterfaceRef(),
    nullable: true,
    description: 'The Room or LogoutEvent with this id; null when there is none (anymore).',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, { loaders }) => {
      const node = decodeNodeId(String(args.id));
      switch (node.typename) {
        case 'Room': {
          const key = parseRoomNodeId(node.id);
          const room = key && (await loaders.roomByKey.load(key));
          if (room) brandWithType(room, Room);
          return room ?? null;
        }
        case 'LogoutEvent': {
          // Event ids are shared by every kind of callback: only a logout is a LogoutEvent.
          const logout = /^\d{1,15}$/.test(node.id) ? await loaders.logoutById.load(Number(node.id)) : null;
          if (logout) brandWithType(logout, LogoutEvent);
          return logout;
        }
        default:
          return null;
      }
    },
  }),
);
