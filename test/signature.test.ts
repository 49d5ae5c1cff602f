import { describe, expect, it } from 'vitest';
import { isValidSignature, zegoSignature } from '../src/callbacks/signature.js';

describe('ZEGO callback signature', () => {
  it("matches the test vector of ZEGO's documentation", () => {
    expect(zegoSignature('secret', '1470820198', '123412')).toBe('5bd59fd62953a8059fb7eaba95720f66d19e4517');
  });

  it('accepts the right signature, also in upper case, and nothing else', () => {
    const signature = zegoSignature('secret', '1470820198', '123412');
    expect(isValidSignature('secret', '1470820198', '123412', signature)).toBe(true);
    expect(isValidSignature('secret', '1470820198', '123412', signature.toUpperCase())).toBe(true);
    expect(isValidSignature('secret', '1470820199', '123412', signature)).toBe(false);
    expect(isValidSignature('secret', '1470820198', '123413', signature)).toBe(false);
    expect(isValidSignature('Secret', '1470820198', '123412', signature)).toBe(false);
    expect(isValidSignature('secret', '1470820198', '123412', signature.slice(0, 39))).toBe(false);
    expect(isValidSignature('secret', '1470820198', '123412', '')).toBe(false);
  });
});
