import type { Database } from '../db/client.js';
import { createLoaders, type Loaders } from './loaders.js';

/** What every resolver receives: the database, and the batching loaders of this operation. */
export interface GraphQLContext {
  db: Database;
  loaders: Loaders;
}

export function createGraphQLContext(db: Database): GraphQLContext {
  return { db, loaders: createLoaders(db) };
}
