import { createGraphQLError } from 'graphql-yoga';

/**
 * DateTime input: an RFC 3339 date-time with an explicit offset. A time without an offset is
 * refused rather than read in the server's time zone, which would make the answer depend on
 * where the server runs.
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export function parseDateTime(value: unknown): Date {
  const match = typeof value === 'string' ? RFC3339.exec(value) : null;
  if (match === null) {
    throw invalid(`DateTime must be an ISO 8601 date-time with a time zone, such as "2022-09-21T06:10:23.660Z"; got ${describe(value)}`);
  }
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  const date = new Date(value as string);
  // Date.parse rolls 2023-02-30 over into March; a calendar date that does not exist is an error.
  const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  if (Number.isNaN(date.getTime()) || month! < 1 || month! > 12 || day! < 1 || day! > daysInMonth || hour! > 23 || minute! > 59 || second! > 59) {
    throw invalid(`DateTime ${describe(value)} is not a valid date and time`);
  }
  return date;
}

function describe(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

// A GraphQL error, so that Yoga shows the message instead of masking it as unexpected.
function invalid(message: string) {
  return createGraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}
