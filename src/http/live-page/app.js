import { createConnection } from './connection.js';
import { createRoomDetail } from './room-detail.js';
import { createRoomsList } from './rooms-list.js';

/** The live occupancy page: wires the settings, the connection, the rooms list and the selected room. */

const STORAGE_KEY = 'zego-presence.live-page';
const settings = { appId: '', token: '', ...JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') };

const status = document.getElementById('status');
function showStatus(state, detail) {
  status.dataset.state = state;
  status.textContent =
    { connecting: 'connecting…', live: 'live', retrying: 'reconnecting', error: 'error', 'needs-token': 'enter an API token' }[state] ?? state;
  status.title = detail ?? '';
  if (detail) status.textContent += `: ${detail}`;
}

const connection = createConnection({ onStatus: showStatus });
connection.setToken(settings.token);
const onError = (message) => showStatus('error', message);

const selectedRoom = () => new URLSearchParams(location.hash.slice(1)).get('room');

const rooms = createRoomsList({
  connection,
  settings,
  container: document.getElementById('room-list'),
  summary: document.getElementById('rooms-summary'),
  onSelect: (roomId) => (location.hash = new URLSearchParams({ room: roomId }).toString()),
  onError,
});
const detail = createRoomDetail({ connection, settings, container: document.getElementById('room'), onError });

function showSelectedRoom() {
  const roomId = selectedRoom();
  rooms.select(roomId);
  detail.show(roomId);
}
window.addEventListener('hashchange', showSelectedRoom);

const form = document.getElementById('settings');
form.appId.value = settings.appId;
form.token.value = settings.token;
form.addEventListener('submit', (event) => {
  event.preventDefault();
  settings.appId = form.appId.value.trim();
  settings.token = form.token.value.trim();
  localStorage.setItem(STORAGE_KEY, JSON.stringify(settings));
  connection.setToken(settings.token);
  rooms.reload();
  showSelectedRoom();
});

// A service with API_TOKENS refuses every request without one: wait for the token first.
if (document.documentElement.dataset.tokenRequired === 'true' && !settings.token) {
  showStatus('needs-token');
} else {
  rooms.reload();
  showSelectedRoom();
}
