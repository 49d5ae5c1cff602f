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

/** A role that may only read and write rows, as the service runs in production, and a pool that logs in as it. */
export interface RestrictedRole {
  name: string;
  handle: DatabaseHandle;
  /** Closes the pool and drops the role. */
  drop(): Promise<void>;
}

/** For tests that take the database away from the service while a superuser keeps watching. */
export async function restrictedRole(database: TestDatabase): Promise<RestrictedRole> {
  if (database.location.kind !== 'postgres' || !database.admin) throw new Error('a restricted role needs a PostgreSQL test database');
  const admin = database.admin;
  const name = `presence_app_${randomBytes(4).toString('hex')}`;
  await admin.unsafe(`create role ${name} login`);
  await admin.unsafe(`grant usage on schema public, drizzle to ${name}`);
  await admin.unsafe(`grant select, insert, update, delete on all tables in schema public to ${name}`);
  await admin.unsafe(`grant select on all tables in schema drizzle to ${name}`);
  await admin.unsafe(`grant usage on all sequences in schema public to ${name}`);
  const url = new URL(database.location.url);
  url.username = name;
  const handle = await openDatabase({ kind: 'postgres', url: url.toString() }, { connectTimeoutS: 2 });
  return {
    name,
    handle,
    async drop() {
      await handle.close();
      await admin.unsafe(`drop owned by ${name}`);
      await admin.unsafe(`drop role if exists ${name}`);
    },
  };
}
