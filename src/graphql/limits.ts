/**
 * Limits on the shape of an operation, enforced by graphql-armor before it runs. Generous for
 * every query the API's clients need (the deepest, a logout's room's members, is 8 levels with
 * edges and nodes), far below what would let one request exhaust the service. The cost counts a
 * list by its `first`: a page of 500 logouts costs about 20,500, a presence subscription with
 * 500 members about 26,000, while 500 rooms with 500 members each (250,000 rows) cost millions.
 */
export const ARMOR_LIMITS = {
  maxDepth: { n: 10, ignoreIntrospection: true, exposeLimits: true },
  maxAliases: { n: 15, exposeLimits: true },
  maxDirectives: { n: 20, exposeLimits: true },
  maxTokens: { n: 2_000, exposeLimits: true },
  costLimit: { maxCost: 50_000, ignoreIntrospection: true, exposeLimits: true },
} as const;
