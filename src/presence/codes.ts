import type { CodeSelection } from '../db/code-selection.js';

/**
 * ZEGO's numeric codes for a user's role and for why a user left, and the names the API gives
 * them. ZEGO may add codes at any time: a code outside these tables is UNKNOWN, never an error,
 * and the raw code is always kept beside the name.
 */

export const USER_ROLE_CODES = { HOST: 1, AUDIENCE: 2, ADMIN: 4 } as const;
export type UserRole = keyof typeof USER_ROLE_CODES | 'UNKNOWN';
/** In the order the API lists them (and orders statistics by). */
export const USER_ROLES: readonly UserRole[] = ['HOST', 'AUDIENCE', 'ADMIN', 'UNKNOWN'];

export const LOGOUT_REASON_CODES = {
  NORMAL: 0,
  HEARTBEAT_TIMEOUT: 1,
  CONNECTION_LOST: 2,
  KICKED_OUT: 3,
  TOKEN_EXPIRED: 4,
} as const;
export type LogoutReason = keyof typeof LOGOUT_REASON_CODES | 'UNKNOWN';
export const LOGOUT_REASONS: readonly LogoutReason[] = [
  'NORMAL',
  'HEARTBEAT_TIMEOUT',
  'CONNECTION_LOST',
  'KICKED_OUT',
  'TOKEN_EXPIRED',
  'UNKNOWN',
];

export const KNOWN_ROLE_CODES: readonly number[] = Object.values(USER_ROLE_CODES);
export const KNOWN_REASON_CODES: readonly number[] = Object.values(LOGOUT_REASON_CODES);

export function userRole(code: number): UserRole {
  return nameOf(USER_ROLE_CODES, code) ?? 'UNKNOWN';
}

export function logoutReason(code: number): LogoutReason {
  return nameOf(LOGOUT_REASON_CODES, code) ?? 'UNKNOWN';
}

// UNKNOWN cannot be listed as codes (it is every code ZEGO may send that is not in the table), so
// selecting it means "any code other than the known ones".
export function roleCodesFor(roles: readonly UserRole[]): CodeSelection {
  return selectCodes(USER_ROLE_CODES, roles, KNOWN_ROLE_CODES);
}

export function reasonCodesFor(reasons: readonly LogoutReason[]): CodeSelection {
  return selectCodes(LOGOUT_REASON_CODES, reasons, KNOWN_REASON_CODES);
}

function nameOf<Name extends string>(table: Record<Name, number>, code: number): Name | undefined {
  return (Object.keys(table) as Name[]).find((name) => table[name] === code);
}

function selectCodes<Name extends string>(
  table: Record<Name, number>,
  names: readonly (Name | 'UNKNOWN')[],
  known: readonly number[],
): CodeSelection {
  const codes = [...new Set(names.filter((name): name is Name => name !== 'UNKNOWN').map((name) => table[name]))];
  return { codes, otherThan: names.includes('UNKNOWN') ? known : null };
}
