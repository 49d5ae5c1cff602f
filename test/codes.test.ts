import { describe, expect, it } from 'vitest';
import { logoutReason, reasonCodesFor, roleCodesFor, userRole } from '../src/presence/codes.js';

describe("ZEGO's codes", () => {
  it('name the known roles and reasons, and call every other code UNKNOWN', () => {
    expect([1, 2, 4, 0, 3, 5, -1].map(userRole)).toEqual(['HOST', 'AUDIENCE', 'ADMIN', 'UNKNOWN', 'UNKNOWN', 'UNKNOWN', 'UNKNOWN']);
    expect([0, 1, 2, 3, 4, 5, 99].map(logoutReason)).toEqual([
      'NORMAL', 'HEARTBEAT_TIMEOUT', 'CONNECTION_LOST', 'KICKED_OUT', 'TOKEN_EXPIRED', 'UNKNOWN', 'UNKNOWN',
    ]);
  });

  it('turn selected names into codes, UNKNOWN into "none of the known codes"', () => {
    expect(roleCodesFor(['HOST', 'ADMIN'])).toEqual({ codes: [1, 4], otherThan: null });
    expect(roleCodesFor(['UNKNOWN'])).toEqual({ codes: [], otherThan: [1, 2, 4] });
    expect(reasonCodesFor(['NORMAL', 'UNKNOWN', 'NORMAL'])).toEqual({ codes: [0], otherThan: [0, 1, 2, 3, 4] });
    expect(reasonCodesFor([])).toEqual({ codes: [], otherThan: null });
  });
});
