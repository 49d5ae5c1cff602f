import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * ZEGO's callback signature: sha1 over the secret, timestamp and nonce, sorted as strings and
 * joined. It covers neither the body nor the appid, so freshness and replay safety are ours.
 */
export function zegoSignature(secret: string, timestamp: string, nonce: string): string {
  const joined = [secret, timestamp, nonce].sort().join('');
  return createHash('sha1').update(joined, 'utf8').digest('hex');
}

/** Compares in constant time; a signature of the wrong length is compared against itself to keep timing flat. */
export function isValidSignature(secret: string, timestamp: string, nonce: string, signature: string): boolean {
  const expected = Buffer.from(zegoSignature(secret, timestamp, nonce), 'utf8');
  const given = Buffer.from(signature.toLowerCase(), 'utf8');
  if (given.length !== expected.length) {
    timingSafeEqual(expected, expected);
    return false;
  }
  return timingSafeEqual(expected, given);
}
