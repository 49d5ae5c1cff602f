import {
  LOGOUT_REASON_CODES,
  LOGOUT_REASONS,
  USER_ROLE_CODES,
  USER_ROLES,
  type LogoutReason,
  type UserRole,
} from '../presence/codes.js';
import { builder } from './builder.js';

/** The enums of ZEGO's codes; the raw code is always exposed beside them (roleCode, reasonCode). */

function describedValues<Name extends string>(names: readonly Name[], codes: Record<string, number>, unknown: string) {
  return Object.fromEntries(
    names.map((name) => [name, { value: name, description: name === 'UNKNOWN' ? unknown : `ZEGO code ${codes[name]}` }]),
  ) as Record<Name, { value: Name; description: string }>;
}

export const UserRoleEnum = builder.enumType('UserRole', {
  description: "A user's role in a room, from ZEGO's user_role.",
  values: describedValues<UserRole>(USER_ROLES, USER_ROLE_CODES, 'Any other code; see roleCode.'),
});

export const LogoutReasonEnum = builder.enumType('LogoutReason', {
  description: "Why a user left a room, from ZEGO's logout reason.",
  values: describedValues<LogoutReason>(LOGOUT_REASONS, LOGOUT_REASON_CODES, 'Any other code; see reasonCode.'),
});
