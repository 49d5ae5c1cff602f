/**
 * The ordering rules for a user's sessions in one room lifecycle. ZEGO does not deliver callbacks
 * in order (a re-login often arrives before the logout of the session it replaced), so the state
 * kept per user is "the newest session known, and whether it has ended", and every event is
 * merged into it. The merge is order-independent: any arrival order of the same events ends in
 * the same state.
 */

export interface MemberSession {
  sessionId: string;
  /** Null when the session is known only from a legacy logout, which carries no login time. */
  loginAt: number | null;
  /** Null while the session is present. */
  logoutAt: number | null;
}

export type SessionFact =
  | { kind: 'login'; sessionId: string; loginAt: number }
  | { kind: 'logout'; sessionId: string; loginAt: number; logoutAt: number }
  /** ZEGO's older logout callback: no login time, and often no session ("0"). */
  | { kind: 'legacy-logout'; sessionId: string; logoutAt: number };

const NO_SESSION = '0';

export const isPresent = (session: MemberSession | undefined): boolean =>
  session !== undefined && session.logoutAt === null;

interface TimedSession {
  sessionId: string;
  loginAt: number;
}

/** Newer sessions log in later; the session id breaks a tie so the order is total. */
function isNewerSession(a: TimedSession, b: TimedSession): boolean {
  if (a.loginAt !== b.loginAt) return a.loginAt > b.loginAt;
  return BigInt(a.sessionId) > BigInt(b.sessionId);
}

/** The user's state after `fact`, or `undefined` when the fact changes nothing. */
export function mergeSessionFact(current: MemberSession | undefined, fact: SessionFact): MemberSession | undefined {
  switch (fact.kind) {
    case 'login': {
      if (current === undefined) return { sessionId: fact.sessionId, loginAt: fact.loginAt, logoutAt: null };
      if (current.loginAt === null) {
        // A legacy logout at T ended whatever session had begun by T.
        const ended = current.logoutAt !== null && fact.loginAt <= current.logoutAt;
        return { sessionId: fact.sessionId, loginAt: fact.loginAt, logoutAt: ended ? current.logoutAt : null };
      }
      if (current.sessionId === fact.sessionId) return undefined;
      // A late login of an older session never replaces (or resurrects) a newer one.
      return isNewerSession(fact, { sessionId: current.sessionId, loginAt: current.loginAt })
        ? { sessionId: fact.sessionId, loginAt: fact.loginAt, logoutAt: null } : undefined;
    }
    case 'logout': {
      if (current === undefined) return { sessionId: fact.sessionId, loginAt: fact.loginAt, logoutAt: fact.logoutAt };
      if (current.loginAt === null) {
        const logoutAt = Math.max(fact.logoutAt, current.logoutAt ?? fact.logoutAt);
        return { sessionId: fact.sessionId, loginAt: fact.loginAt, logoutAt };
      }
      if (current.sessionId === fact.sessionId) {
        return current.logoutAt === null ? { ...current, logoutAt: fact.logoutAt } : undefined;
      }
      // The logout of a newer session whose login we have not seen yet: remember that it ended.
      // The logout of an older, replaced session changes nothing.
      return isNewerSession(fact, { sessionId: current.sessionId, loginAt: current.loginAt })
        ? { sessionId: fact.sessionId, loginAt: fact.loginAt, logoutAt: fact.logoutAt }
        : undefined;
    }
    case 'legacy-logout': {
      if (current === undefined) return { sessionId: fact.sessionId, loginAt: null, logoutAt: fact.logoutAt };
      if (current.loginAt === null) {
        return current.logoutAt === null || fact.logoutAt > current.logoutAt ? { ...current, logoutAt: fact.logoutAt } : undefined;
      }
      if (current.logoutAt !== null) return undefined;
      const endsCurrent =
        fact.sessionId === NO_SESSION ? current.loginAt <= fact.logoutAt : fact.sessionId === current.sessionId;
      return endsCurrent ? { ...current, logoutAt: fact.logoutAt } : undefined;
    }
  }
}

export type MembershipTransition = 'joined' | 'left' | null;

/** What a subscriber sees: a new or replaced session is a join, an ended one a departure. */
export function membershipTransition(before: MemberSession | undefined, after: MemberSession): MembershipTransition {
  if (isPresent(after)) return !isPresent(before) || before!.sessionId !== after.sessionId ? 'joined' : null;
  return isPresent(before) ? 'left' : null;
}
