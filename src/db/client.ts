import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgAsyncDatabase } from 'drizzle-orm/pg-core/async';
import type { PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { DatabaseLocation } from '../config.js';
import { preparingClient } from './prepared-statements.js';
import { relations } from './relations.js';

/** The Drizzle database, whichever driver is behind it. */
export type Database = PgAsyncDatabase<PgQueryResultHKT, typeof relations>;
/** A transaction handed to code that must run inside one. */
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
/** Either a database or a transaction: storage functions accept both. */
export type Queryable = Database | Transaction;

export interface DatabaseHandle {
  readonly db: Database;
  readonly location: DatabaseLocation;
  /** Throws when the database does not answer. */
  ping(): Promise<void>;
  /** This handle's server connections by state (active, idle, ...); empty for the embedded database. */
  connectionStates(): Promise<{ state: string; count: number }[]>;
  close(): Promise<void>;
}

export interface PostgresPoolOptions {
  /** Connections in the pool. */
  max?: number;
  /** Seconds to wait for a connection before the query fails (and the callback is answered 503). */
  connectTimeoutS?: number;
}

export interface DatabaseOptions extends PostgresPoolOptions {
  /** Told of every SQL statement Drizzle sends, on either driver (tests count statements with it). */
  onQuery?: (query: string, params: unknown[]) => void;
}

export async function openDatabase(location: DatabaseLocation, options: DatabaseOptions = {}): Promise<DatabaseHandle> {
  const logger = options.onQuery && { logQuery: options.onQuery };
  if (location.kind === 'postgres') {
    // A name of its own lets this pool find its connections in pg_stat_activity (for /metrics).
    const applicationName = `zego-presence:${process.pid}:${randomBytes(3).toString('hex')}`;
    const client = postgres(location.url, {
      max: options.max ?? 10,
      connect_timeout: options.connectTimeoutS ?? 3,
      idle_timeout: 60,
      onnotice: () => {},
      connection: { application_name: applicationName },
    });
    const db = drizzlePostgres({ client: preparingClient(client), relations, logger }) as unknown as Database;
    return {
      db,
      location,
      ping: async () => {
        await client`select 1`;
      },
      connectionStates: async () => {
        const rows = await client<{ state: string | null; count: number }[]>`
          select state, count(*)::int as count from pg_stat_activity where application_name = ${applicationName} group by state`;
        return rows.map((row) => ({ state: row.state ?? 'unknown', count: row.count }));
      },
      close: () => client.end({ timeout: 5 }),
    };
  }

  const client = location.dataDir === null ? new PGlite() : new PGlite(location.dataDir);
  await client.waitReady;
  const db = drizzlePglite({ client, relations, logger }) as unknown as Database;
  return {
    db,
    location,
    ping: async () => {
      if (client.closed) throw new Error('the embedded database is closed');
      await db.execute(sql`select 1`);
    },
    connectionStates: async () => [],
    close: async () => {
      if (!client.closed) await client.close();
    },
  };
}
