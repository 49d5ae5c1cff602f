/**
 * Limits on the shape of an operation, enforced by graphql-armor before it runs. Generous for
 * every query the API's clients need (the deepest, a logout's room's members, is 8 levels with
 * edges and nodes), far below what would let one request exhaust the service. The cost is about
 * the number of values an answer can hold, a list counted by its `first` (no extra weight for
 * depth): a page of 500 logouts costs about 9,000, a presence snapshot with 500 members about
 * 6,500, 50 rooms with 50 members each about 18,000, while 500 rooms with 500 members each cost
 * 1,750,000.
 */
export const ARMOR_LIMITS = {
  maxDepth: { n: 10, ignoreIntrospection: true, exposeLimits: true },
  maxAliases: { n: 15, exposeLimits: true },
  maxDirectives: { n: 20, exposeLimits: true },
  maxTokens: { n: 2_000, exposeLimits: true },
  costLimit: { maxCost: 50_000, depthCostFactor: 1, ignoreIntrospection: true, exposeLimits: true },
} as const;
