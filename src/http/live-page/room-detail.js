import { ago, clockTime, duration, el, reasonLabel, roleLabel } from './format.js';

/**
 * One room: who is in it now (nickname, role, since) and its latest logouts with their reasons,
 * both live. The members come from roomPresence: a SNAPSHOT with the member list, then changes
 * only, resumed from the cursor after a reconnect.
 */

const MEMBER = /* GraphQL */ `fragment LiveMember on RoomMember { userAccount nickname sessionId role roleCode loginAt }`;
const LOGOUT = /* GraphQL */ `fragment LiveLogout on LogoutEvent { id userAccount nickname role roleCode reason reasonCode loginAt logoutAt sessionDurationMs }`;

// `room` (its member list) is asked for only while there is no cursor, i.e. for the SNAPSHOT:
// for the changes after it, resolving the room's members each time would be wasted work.
const MEMBERS = /* GraphQL */ `
  subscription LiveRoomMembers($appId: String, $roomId: String!, $after: String, $withMembers: Boolean!) {
    roomPresence(appId: $appId, roomId: $roomId, after: $after) {
      kind memberCount cursor
      room @include(if: $withMembers) { isOpen members(first: 500) { totalCount edges { node { ...LiveMember } } } }
      member { ...LiveMember }
    }
  }
  ${MEMBER}
`;

const LATEST_LOGOUTS = /* GraphQL */ `
  query LiveRoomLogouts($filter: LogoutEventFilter) {
    logoutEvents(filter: $filter, first: 20) { edges { node { ...LiveLogout } } }
  }
  ${LOGOUT}
`;

const NEW_LOGOUTS = /* GraphQL */ `
  subscription LiveRoomNewLogouts($filter: LogoutEventFilter) { logoutEvents(filter: $filter) { ...LiveLogout } }
  ${LOGOUT}
`;

const SHOWN_LOGOUTS = 20;

export function createRoomDetail({ connection, settings, container, onError }) {
  let current = null;
  setInterval(() => current?.refreshTimes(), 5000);

  function show(roomId) {
    current?.stop();
    current = roomId === null ? null : followRoom(roomId);
    if (current === null) container.replaceChildren(el('p', { className: 'hint' }, 'Choose a room to see who is in it and who left.'));
  }

  function followRoom(roomId) {
    const members = new Map();
    const logouts = new Map();
    let memberCount = 0;
    let isOpen = null;
    let cursor = null;
    let membersBeyondList = 0;

    const count = el('span', { className: 'count', dataset: { count: '0' } }, '0');
    const state = el('span', { className: 'state' });
    const memberRows = el('tbody');
    const logoutRows = el('tbody');
    const note = el('p', { className: 'note' });
    container.replaceChildren(
      el('h2', {}, el('span', { className: 'room-title' }, roomId), ' ', count, ' ', state),
      el('h3', {}, 'In the room'),
      el('table', { className: 'members' }, el('thead', {}, el('tr', {}, el('th', {}, 'Nickname'), el('th', {}, 'User'), el('th', {}, 'Role'), el('th', {}, 'Since'))), memberRows),
      note,
      el('h3', {}, 'Latest logouts'),
      el('table', { className: 'logouts' }, el('thead', {}, el('tr', {}, el('th', {}, 'At'), el('th', {}, 'Nickname'), el('th', {}, 'Reason'), el('th', {}, 'Stayed'))), logoutRows),
    );

    function renderMembers() {
      count.textContent = String(memberCount);
      count.dataset.count = String(memberCount);
      state.textContent = isOpen === false ? 'closed' : '';
      const sorted = [...members.values()].sort((a, b) => Date.parse(a.loginAt) - Date.parse(b.loginAt));
      memberRows.replaceChildren(
        ...sorted.map((m) =>
          el(
            'tr',
            { dataset: { user: m.userAccount } },
            el('td', { className: 'nickname' }, m.nickname || m.userAccount),
            el('td', { className: 'user' }, m.userAccount),
            el('td', {}, el('span', { className: `role role-${m.role.toLowerCase()}` }, roleLabel(m.role, m.roleCode))),
            el('td', { className: 'since', title: new Date(m.loginAt).toLocaleString(), dataset: { since: m.loginAt } }, clockTime(m.loginAt), el('small', {}, ago(m.loginAt))),
          ),
        ),
      );
      if (sorted.length === 0) memberRows.append(el('tr', {}, el('td', { colspan: 4, className: 'hint' }, 'Nobody is in this room.')));
      note.textContent = membersBeyondList > 0 ? `and ${membersBeyondList} more not listed` : '';
    }

    function renderLogouts() {
      const latest = [...logouts.values()].sort((a, b) => Date.parse(b.logoutAt) - Date.parse(a.logoutAt) || Number(b.id < a.id) - Number(a.id < b.id)).slice(0, SHOWN_LOGOUTS);
      for (const id of logouts.keys()) if (!latest.some((l) => l.id === id)) logouts.delete(id);
      logoutRows.replaceChildren(
        ...latest.map((l) =>
          el(
            'tr',
            { dataset: { user: l.userAccount, reason: l.reason } },
            el('td', { title: new Date(l.logoutAt).toLocaleString() }, clockTime(l.logoutAt)),
            el('td', { className: 'nickname' }, l.nickname || l.userAccount),
            el('td', { className: 'reason', title: `${l.reason} (code ${l.reasonCode})` }, el('span', { className: `reason-${l.reason.toLowerCase()}` }, reasonLabel(l.reason, l.reasonCode))),
            el('td', {}, duration(l.sessionDurationMs)),
          ),
        ),
      );
      if (latest.length === 0) logoutRows.append(el('tr', {}, el('td', { colspan: 4, className: 'hint' }, 'No logouts yet.')));
    }

    const filter = () => ({ roomId, ...(settings.appId ? { appId: settings.appId } : {}) });

    const presence = connection.subscribe(
      MEMBERS,
      () => ({ appId: settings.appId || null, roomId, after: cursor, withMembers: cursor === null }),
      {
        next: ({ roomPresence: change }) => {
          memberCount = change.memberCount;
          switch (change.kind) {
            case 'SNAPSHOT':
              members.clear();
              for (const { node } of change.room.members.edges) members.set(node.userAccount, node);
              membersBeyondList = change.room.members.totalCount - members.size;
              isOpen = change.room.isOpen;
              break;
            case 'JOINED': // a re-login replaces the session: upsert by user
              members.set(change.member.userAccount, change.member);
              isOpen = true;
              break;
            case 'LEFT':
              if (!members.delete(change.member.userAccount)) membersBeyondList = Math.max(0, membersBeyondList - 1);
              break;
            case 'ROOM_CLOSED':
              members.clear();
              membersBeyondList = 0;
              isOpen = false;
              break;
          }
          const wasSnapshot = cursor === null;
          cursor = change.cursor;
          renderMembers();
          // From here on, changes only: resubscribe from the snapshot's cursor, without the member list.
          if (wasSnapshot) presence.restart();
        },
        rejected: () => (cursor = null),
      },
    );

    const loadLatest = async () => {
      try {
        const { logoutEvents } = await connection.query(LATEST_LOGOUTS, { filter: filter() });
        for (const { node } of logoutEvents.edges) logouts.set(node.id, node);
        renderLogouts();
      } catch (error) {
        onError(error.message);
      }
    };
    // The history is read again after each (re)subscription: logouts while disconnected are not replayed.
    const newLogouts = connection.subscribe(NEW_LOGOUTS, () => ({ filter: filter() }), {
      next: ({ logoutEvents: logout }) => {
        logouts.set(logout.id, logout);
        renderLogouts();
      },
      started: () => void loadLatest(),
    });

    renderMembers();
    renderLogouts();
    return {
      stop() {
        presence.stop();
        newLogouts.stop();
      },
      refreshTimes() {
        for (const cell of memberRows.querySelectorAll('td.since')) cell.lastChild.textContent = ago(cell.dataset.since);
      },
    };
  }

  return { show };
}
