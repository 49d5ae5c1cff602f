import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase, type DatabaseHandle, type DatabaseOptions } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import type { DatabaseLocation } from '../../src/config.js';

/**
 * The databases every integration test runs against: embedded PGlite always, and the PostgreSQL
 * server at DATABASE_URL when one is given (CI sets it, and REQUIRE_POSTGRES=1 so that a missing
 * server fails the run instead of silently skipping half the suite).
 */

export interface TestDatabase {
  handle: DatabaseHandle;
  location: DatabaseLocation;
  /** For a PostgreSQL test database: a superuser connection to it, to inspect or sabotage it. */
  admin?: postgres.Sql;
  dispose(): Promise<void>;
}

export interface DatabaseTarget {
  name: 'pglite' | 'postgres';
  create(options?: DatabaseOptions): Promise<TestDatabase>;
}

const serverUrl = (): string | undefined => {
  const url = process.env.DATABASE_URL;
  return url && /^postgres(ql)?:\/\//.test(url) ? url : undefined;
};

export function databaseTargets(): DatabaseTarget[] {
  const targets: DatabaseTarget[] = [{ name: 'pglite', create: createPglite }];
  const url = serverUrl();
  if (url) targets.push({ name: 'postgres', create: (options) => createPostgres(url, options) });
  else if (process.env.REQUIRE_POSTGRES === '1') {
    throw new Error('REQUIRE_POSTGRES=1 but DATABASE_URL is not a postgres:// URL: the PostgreSQL suite would be skipped');
  }
  return targets;
}

async function createPglite(options?: DatabaseOptions): Promise<TestDatabase> {
  const location: DatabaseLocation = { kind: 'pglite', dataDir: null };
  const handle = await openDatabase(location, options);
  await migrateDatabase(handle);
  return { handle, location, dispose: () => handle.close() };
}

/** A fresh database on the server for each caller, so test files never see each other's rows. */
async function createPostgres(url: string, options?: DatabaseOptions): Promise<TestDatabase> {
  const name = `presence_test_${randomBytes(6).toString('hex')}`;
  const server = postgres(url, { max: 1, onnotice: () => {} });
  await server.unsafe(`create database ${name}`);
  const testUrl = new URL(url);
  testUrl.pathname = `/${name}`;
  const location: DatabaseLocation = { kind: 'postgres', url: testUrl.toString() };
  const handle = await openDatabase(location, options);
  await migrateDatabase(handle);
  const admin = postgres(location.url, { max: 2, onnotice: () => {} });
  return {
    handle,
    location,
    admin,
    async dispose() {
      await handle.close();
      await admin.end({ timeout: 5 });
      await server.unsafe(`drop database if exists ${name} with (force)`);
      await server.end({ timeout: 5 });
    },
  };
}
