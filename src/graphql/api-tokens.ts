import { createHash, timingSafeEqual } from 'node:crypto';
import { API_SCOPES, type ApiScope, type ApiToken } from '../config.js';

/** Who is asking: the scopes of the token presented (all of them while GraphQL is open). */
export interface Principal {
  scopes: ReadonlySet<ApiScope>;
}

export const OPEN_ACCESS: Principal = { scopes: new Set(API_SCOPES) };

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Checks `API_TOKENS`. A presented token is compared, by its SHA-256 digest and in constant time,
 * with every configured token, so neither the comparison nor the number of tokens tried tells an
 * attacker how close a guess was.
 */
export class ApiTokenChecker {
  private readonly tokens: { digest: Buffer; principal: Principal }[];

  constructor(tokens: readonly ApiToken[] | null) {
    this.tokens = (tokens ?? []).map((t) => ({ digest: digest(t.token), principal: { scopes: t.scopes } }));
  }

  /** Whether requests need a token at all. */
  get required(): boolean {
    return this.tokens.length > 0;
  }

  /**
   * The principal for an `Authorization` value (`Bearer <token>`, or the bare token as some
   * WebSocket clients send it); null when a token is required and this is not one.
   */
  authenticate(authorization: unknown): Principal | null {
    if (!this.required) return OPEN_ACCESS;
    if (typeof authorization !== 'string') return null;
    const presented = digest(authorization.replace(/^Bearer\s+/i, '').trim());
    let found: Principal | null = null;
    for (const token of this.tokens) {
      if (timingSafeEqual(token.digest, presented)) found = token.principal;
    }
    return found;
  }
}
