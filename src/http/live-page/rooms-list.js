import { el } from './format.js';

/**
 * The rooms with their live member counts, most occupied first. The rooms query finds the rooms
 * (again every few seconds, for new ones); a light roomPresence subscription per room keeps its
 * count live, resuming from its cursor after a reconnect.
 */

const ROOMS = /* GraphQL */ `
  query LiveRooms($appId: String, $after: String) {
    rooms(appId: $appId, first: 500, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { roomId isOpen memberCount } }
    }
  }
`;

const ROOM_COUNT = /* GraphQL */ `
  subscription LiveRoomCount($appId: String, $roomId: String!, $after: String) {
    roomPresence(appId: $appId, roomId: $roomId, after: $after) { kind memberCount cursor }
  }
`;

const REFRESH_MS = 5000;
/** Rooms beyond these are listed (and refreshed) but not followed live, to bound the subscriptions. */
const MAX_LISTED = 2000;
const MAX_FOLLOWED = 200;

const byOccupancy = (a, b) => b.memberCount - a.memberCount || (a.roomId < b.roomId ? -1 : a.roomId > b.roomId ? 1 : 0);

export function createRoomsList({ connection, settings, container, summary, onSelect, onError }) {
  /** roomId -> { roomId, memberCount, isOpen, cursor, live, row } */
  const rooms = new Map();
  let selected = null;
  let totalCount = 0;
  let timer = null;
  let renderQueued = false;
  let generation = 0;

  function follow(room) {
    room.cursor = null;
    room.live = connection.subscribe(
      ROOM_COUNT,
      () => ({ appId: settings.appId || null, roomId: room.roomId, after: room.cursor }),
      {
        next: ({ roomPresence: change }) => {
          room.memberCount = change.memberCount;
          room.cursor = change.cursor;
          if (change.kind === 'ROOM_CLOSED') room.isOpen = false;
          else if (change.kind === 'JOINED') room.isOpen = true;
          queueRender();
        },
        // A cursor the service no longer takes: start again from a snapshot.
        rejected: () => (room.cursor = null),
      },
    );
  }

  async function refresh() {
    const started = generation;
    try {
      const found = [];
      let after = null;
      do {
        const { rooms: page } = await connection.query(ROOMS, { appId: settings.appId || null, after });
        totalCount = page.totalCount;
        found.push(...page.edges.map((edge) => edge.node));
        after = page.pageInfo.hasNextPage && found.length < MAX_LISTED ? page.pageInfo.endCursor : null;
      } while (after);
      if (started !== generation) return;
      for (const node of found) {
        const room = rooms.get(node.roomId);
        if (!room) rooms.set(node.roomId, { ...node, cursor: null, live: null, row: null });
        // A followed room's count comes from its subscription, which is never older than a query.
        else if (!room.live) Object.assign(room, node);
      }
      const unfollowed = [...rooms.values()].filter((room) => !room.live).sort(byOccupancy);
      let followed = rooms.size - unfollowed.length;
      for (const room of unfollowed) if (followed++ < MAX_FOLLOWED) follow(room);
      queueRender();
    } catch (error) {
      onError(error.message);
    } finally {
      if (started === generation) timer = setTimeout(refresh, REFRESH_MS);
    }
  }

  function rowOf(room) {
    if (room.row) return room.row;
    const count = el('span', { className: 'count' });
    const bar = el('span', { className: 'bar' });
    const button = el('button', { type: 'button', className: 'room', dataset: { roomId: room.roomId } }, el('span', { className: 'room-id' }, room.roomId), el('span', { className: 'meter' }, bar), count);
    button.addEventListener('click', () => onSelect(room.roomId));
    room.row = { button, count, bar };
    return room.row;
  }

  function queueRender() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(render);
  }

  function render() {
    renderQueued = false;
    const sorted = [...rooms.values()].sort(byOccupancy);
    const most = Math.max(1, ...sorted.map((room) => room.memberCount));
    const occupied = sorted.filter((room) => room.memberCount > 0).length;
    const members = sorted.reduce((sum, room) => sum + room.memberCount, 0);
    summary.textContent = `${members} members in ${occupied} of ${totalCount} rooms`;
    if (sorted.length === 0) {
      container.replaceChildren(el('p', { className: 'hint' }, 'No rooms yet: they appear with their first callback.'));
      return;
    }
    container.replaceChildren(
      ...sorted.map((room) => {
        const row = rowOf(room);
        row.count.textContent = String(room.memberCount);
        row.count.dataset.count = String(room.memberCount);
        row.bar.style.width = `${(100 * room.memberCount) / most}%`;
        row.button.classList.toggle('closed', !room.isOpen);
        row.button.classList.toggle('selected', room.roomId === selected);
        row.button.title = room.isOpen ? `${room.memberCount} members` : 'closed';
        return row.button;
      }),
    );
  }

  return {
    /** (Re)loads everything: at start, and when the app or token changes. */
    reload() {
      generation++;
      clearTimeout(timer);
      for (const room of rooms.values()) room.live?.stop();
      rooms.clear();
      queueRender();
      void refresh();
    },
    select(roomId) {
      selected = roomId;
      queueRender();
    },
  };
}
