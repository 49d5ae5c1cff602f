import type { Database } from '../db/client.js';
import type { LiveFeeds } from '../pubsub/feeds.js';
import type { Principal } from './api-tokens.js';
import { createLoaders, type Loaders } from './loaders.js';

/** What every resolver receives: who asks, the database, the live feeds, and this operation's loaders. */
export interface GraphQLContext {
  principal: Principal;
  db: Database;
  feeds: LiveFeeds;
  loaders: Loaders;
}

export function createGraphQLContext(principal: Principal, db: Database, feeds: LiveFeeds): GraphQLContext {
  return { principal, db, feeds, loaders: createLoaders(db) };
}
