/** How the page says ZEGO's codes and times. */

const REASONS = {
  NORMAL: 'Normal logout',
  HEARTBEAT_TIMEOUT: 'Heartbeat timeout',
  CONNECTION_LOST: 'Connection lost',
  KICKED_OUT: 'Kicked out',
  TOKEN_EXPIRED: 'Token expired',
};

const ROLES = { HOST: 'host', AUDIENCE: 'audience', ADMIN: 'admin' };

export const reasonLabel = (reason, code) => REASONS[reason] ?? `Unknown reason (${code})`;

export const roleLabel = (role, code) => ROLES[role] ?? `role ${code}`;

export const clockTime = (iso) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function duration(ms) {
  if (ms == null) return '';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export const ago = (iso, now = Date.now()) => `${duration(now - Date.parse(iso))} ago`;

/** An element with text content only: nicknames and ids come from users and are never parsed as HTML. */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'className') element.className = value;
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}
