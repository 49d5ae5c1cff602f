/**
 * Whether a database error means "the database is unavailable right now" (answer 503 and let
 * ZEGO retry) rather than a fault in this service. Connection failures come from the driver;
 * server-side refusals carry an SQLSTATE.
 */

// 08 connection, 28 authorization (a login refused), 53 resources, 57 operator intervention, 58 system.
const UNAVAILABLE_SQLSTATE_CLASSES = ['08', '28', '53', '57', '58'];
const UNAVAILABLE_SQLSTATES = new Set([
  '42501', // insufficient privilege: access revoked or a role locked out
  '25006', // read-only transaction: a standby after failover
  '40001', // serialization failure
  '40P01', // deadlock detected
]);
const UNAVAILABLE_DRIVER_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let cause: unknown = error, depth = 0; cause instanceof Error && depth < 5; depth += 1) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (UNAVAILABLE_DRIVER_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code)) return true;
      if (/^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_SQLSTATE_CLASSES.includes(code.slice(0, 2))) return true;
    }
    // PGlite, once closed, answers every query with this error.
    if (/PGlite is closed/i.test(cause.message)) return true;
    cause = cause.cause;
  }
  return false;
}
