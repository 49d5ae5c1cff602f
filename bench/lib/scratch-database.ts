import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/** A database created for one benchmark on the server, dropped when it is done. */
export interface ScratchDatabase {
  url: string;
  name: string;
  /** A connection to it, for seeding and EXPLAIN; not the service's. */
  admin: postgres.Sql;
  drop(): Promise<void>;
}

export async function createScratchDatabase(serverUrl: string, label: string): Promise<ScratchDatabase> {
  const name = `presence_bench_${label}_${randomBytes(3).toString('hex')}`;
  const server = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await server.unsafe(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const admin = postgres(url.toString(), { max: 2, onnotice: () => {} });
  return {
    url: url.toString(),
    name,
    admin,
    async drop() {
      await admin.end({ timeout: 5 });
      await server.unsafe(`drop database if exists ${name} with (force)`);
      await server.end({ timeout: 5 });
    },
  };
}
