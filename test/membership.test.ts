import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyLifecycle } from '../src/presence/lifecycle.js';
import { isPresent, membershipTransition, mergeSessionFact, type MemberSession, type SessionFact } from '../src/presence/membership.js';

const merge = (facts: SessionFact[]) =>
  facts.reduce<MemberSession | undefined>((state, fact) => mergeSessionFact(state, fact) ?? state, undefined);

/** Facts of up to four sessions of one user; a session's logout never precedes its login. */
const sessionFacts = fc
  .array(
    fc.record({
      session: fc.integer({ min: 1, max: 4 }),
      loginAt: fc.integer({ min: 0, max: 50 }),
      length: fc.integer({ min: 0, max: 30 }),
      loggedIn: fc.boolean(),
      loggedOut: fc.boolean(),
    }),
    { minLength: 1, maxLength: 5 },
  )
  .map((sessions) => {
    const seen = new Set<number>();
    const facts: Exclude<SessionFact, { kind: 'legacy-logout' }>[] = [];
    for (const s of sessions) {
      if (seen.has(s.session)) continue;
      seen.add(s.session);
      const sessionId = String(s.session);
      if (s.loggedIn || !s.loggedOut) facts.push({ kind: 'login', sessionId, loginAt: s.loginAt });
      if (s.loggedOut) facts.push({ kind: 'logout', sessionId, loginAt: s.loginAt, logoutAt: s.loginAt + s.length });
    }
    return facts;
  });

describe('merging session facts', () => {
  it('ends in the same state whatever the order', () => {
    fc.assert(
      fc.property(sessionFacts.chain((facts) => fc.tuple(fc.constant(facts), fc.shuffledSubarray(facts, { minLength: facts.length }))), ([facts, shuffled]) => {
        expect(merge(shuffled)).toEqual(merge(facts));
      }),
      { seed: 1125, numRuns: 2000 },
    );
  });

  it('keeps the newest session: present unless that session logged out', () => {
    fc.assert(
      fc.property(sessionFacts, (facts) => {
        const newest = facts.reduce((a, b) => (b.loginAt > a.loginAt || (b.loginAt === a.loginAt && BigInt(b.sessionId) > BigInt(a.sessionId)) ? b : a));
        const state = merge(facts)!;
        expect(state.sessionId).toBe(newest.sessionId);
        const ended = facts.some((f) => f.kind === 'logout' && f.sessionId === newest.sessionId);
        expect(isPresent(state)).toBe(!ended);
      }),
      { seed: 1126, numRuns: 2000 },
    );
  });

  it('treats a replaced session as a join and an ended one as a departure', () => {
    const one: MemberSession = { sessionId: '1', loginAt: 10, logoutAt: null };
    const two: MemberSession = { sessionId: '2', loginAt: 20, logoutAt: null };
    expect(membershipTransition(undefined, one)).toBe('joined');
    expect(membershipTransition(one, two)).toBe('joined');
    expect(membershipTransition(two, { ...two, logoutAt: 30 })).toBe('left');
    expect(membershipTransition(undefined, { ...two, logoutAt: 30 })).toBe(null);
  });

  it('lets a legacy logout end only a session begun by then', () => {
    const present: MemberSession = { sessionId: '5', loginAt: 100, logoutAt: null };
    expect(mergeSessionFact(present, { kind: 'legacy-logout', sessionId: '0', logoutAt: 50 })).toBeUndefined();
    expect(mergeSessionFact(present, { kind: 'legacy-logout', sessionId: '0', logoutAt: 150 })).toEqual({ ...present, logoutAt: 150 });
    expect(mergeSessionFact(present, { kind: 'legacy-logout', sessionId: '6', logoutAt: 150 })).toBeUndefined();
  });
});

describe('classifying lifecycles', () => {
  const current = { roomSeq: '10', lastEventAt: 1000, closedAt: null };
  it('follows event times for unseen lifecycles and never revives a replaced one', () => {
    expect(classifyLifecycle(undefined, false, '10', 5)).toBe('newer');
    expect(classifyLifecycle(current, true, '10', 5)).toBe('current');
    expect(classifyLifecycle(current, false, '11', 1001)).toBe('newer');
    expect(classifyLifecycle(current, false, '11', 999)).toBe('older');
    expect(classifyLifecycle(current, true, '9', 5000)).toBe('older');
    expect(classifyLifecycle(current, false, '11', 1000)).toBe('older');
    expect(classifyLifecycle({ ...current, closedAt: 1000 }, false, '11', 1000)).toBe('newer');
  });
});
