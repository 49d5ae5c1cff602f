import { describe, expect, it } from 'vitest';
import { parseDateTime } from '../src/graphql/date-time.js';

describe('DateTime input', () => {
  it.each([
    ['2022-09-21T06:10:23.660Z', '2022-09-21T06:10:23.660Z'],
    ['2022-09-21T06:10:23Z', '2022-09-21T06:10:23.000Z'],
    ['2022-09-21T08:10:23.660+02:00', '2022-09-21T06:10:23.660Z'],
    ['2022-09-20T23:10:23.660-07:00', '2022-09-21T06:10:23.660Z'],
    ['2024-02-29T00:00:00.000Z', '2024-02-29T00:00:00.000Z'],
  ])('reads %s as %s', (input, instant) => {
    expect(parseDateTime(input).toISOString()).toBe(instant);
  });

  it.each([
    ['a date without a time', '2022-09-21'],
    ['a time without a zone', '2022-09-21T06:10:23.660'],
    ['a day the month does not have', '2023-02-29T00:00:00Z'],
    ['a month that does not exist', '2023-13-01T00:00:00Z'],
    ['an hour past 23', '2023-01-01T24:00:00Z'],
    ['epoch milliseconds', 1663740623660],
    ['words', 'yesterday'],
  ])('refuses %s', (_what, input) => {
    expect(() => parseDateTime(input)).toThrow(/DateTime/);
  });
});
