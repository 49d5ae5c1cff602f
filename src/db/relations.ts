import { defineRelations } from 'drizzle-orm';
import * as schema from './schema.js';

export const relations = defineRelations(schema, (r) => ({
  rooms: {
    lifecycles: r.many.roomLifecycles({ from: r.rooms.id, to: r.roomLifecycles.roomPk }),
    members: r.many.roomMembers({ from: r.rooms.id, to: r.roomMembers.roomPk }),
    presenceChanges: r.many.presenceChanges({ from: r.rooms.id, to: r.presenceChanges.roomPk }),
  },
  roomLifecycles: {
    room: r.one.rooms({ from: r.roomLifecycles.roomPk, to: r.rooms.id, optional: false }),
  },
  roomMembers: {
    room: r.one.rooms({ from: r.roomMembers.roomPk, to: r.rooms.id, optional: false }),
  },
  presenceChanges: {
    room: r.one.rooms({ from: r.presenceChanges.roomPk, to: r.rooms.id, optional: false }),
    event: r.one.roomEvents({ from: r.presenceChanges.eventId, to: r.roomEvents.id, optional: false }),
  },
  roomEvents: {
    room: r.one.rooms({
      from: [r.roomEvents.appId, r.roomEvents.roomId],
      to: [r.rooms.appId, r.rooms.roomId],
      optional: false,
    }),
  },
}));
