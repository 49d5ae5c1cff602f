import type { Database } from '../db/client.js';
import type { LiveFeeds } from '../pubsub/feeds.js';
import { createLoaders, type Loaders } from './loaders.js';

/** What every resolver receives: the database, the live feeds for subscriptions, and this operation's loaders. */
export interface GraphQLContext {
  db: Database;
  feeds: LiveFeeds;
  loaders: Loaders;
}

export function createGraphQLContext(db: Database, feeds: LiveFeeds): GraphQLContext {
  return { db, feeds, loaders: createLoaders(db) };
}
