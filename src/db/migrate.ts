import { fileURLToPath } from 'node:url';
import { count } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { pgSchema, serial } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import type { DatabaseHandle } from './client.js';

export const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

// Any fixed 64-bit number: instances starting together on one server migrate one at a time.
const MIGRATION_LOCK_KEY = 0x7a65676f_70726573n;

/**
 * Applies every migration in `drizzle/` that the database has not seen yet. An up-to-date schema
 * is left alone without any DDL, so the service can run as a role that may only read and write
 * rows, with `npm run db:migrate` run by an owner at deploy time.
 */
export async function migrateDatabase(handle: DatabaseHandle): Promise<void> {
  if (await isSchemaMigrated(handle).catch(() => false)) return;
  if (handle.location.kind === 'pglite') {
    await migratePglite(handle.db as unknown as PgliteDatabase, { migrationsFolder });
    return;
  }
  // One dedicated connection: the advisory lock belongs to a session, not to a pool.
  const client = postgres(handle.location.url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await client`select pg_advisory_lock(${MIGRATION_LOCK_KEY.toString()}::bigint)`;
    await migratePostgres(drizzlePostgres({ client }), { migrationsFolder });
  } finally {
    await client.end({ timeout: 5 });
  }
}

// Drizzle's own bookkeeping table; declared here rather than in schema.ts so drizzle-kit leaves it alone.
const appliedMigrations = pgSchema('drizzle').table('__drizzle_migrations', { id: serial('id') });

/** True when every migration shipped with this build has been applied. */
export async function isSchemaMigrated(handle: DatabaseHandle): Promise<boolean> {
  const expected = readMigrationFiles({ migrationsFolder }).length;
  const [row] = await handle.db.select({ applied: count() }).from(appliedMigrations);
  return (row?.applied ?? 0) >= expected;
}
