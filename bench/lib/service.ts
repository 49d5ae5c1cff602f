import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The service in its own process, started as `npm start` starts it, with production settings. */
export interface BenchService {
  url: string;
  pid: number;
  /** Resident set size of the service process, from /proc. */
  rssBytes(): Promise<number>;
  stop(): Promise<void>;
}

export const BENCH_SECRET = 'bench-secret';
const root = fileURLToPath(new URL('../..', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts the service on `databaseUrl`. The per-address connection cap is lifted because every
 * benchmark client shares 127.0.0.1; everything else is the production default unless `env` says.
 */
export async function startBenchService(databaseUrl: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<BenchService> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { child } = await startServerProcess('the service', [...nodeArgs, '--import', 'tsx', 'src/main.ts'], {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    ZEGO_CALLBACK_SECRET: BENCH_SECRET,
    MAX_CONNECTIONS_PER_ADDRESS: '0',
    ...env,
  }, async () => (await fetch(`${url}/readyz`)).ok);
  return serverHandle(url, child);
}

/**
 * graphql-ws and graphql-js alone, serving the subscriber fleet's subscription with no service
 * behind it (bare-subscription-server.ts): the floor of memory per idle subscription, or with
 * `fanout`, of delivering callbacks' changes to the fleet.
 */
export async function startBareSubscriptionServer(options: { fanout?: boolean } = {}): Promise<BenchService> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { child } = await startServerProcess('the bare graphql-ws server', ['--import', 'tsx', 'bench/lib/bare-subscription-server.ts'], {
    NODE_ENV: 'production',
    PORT: String(port),
    ...(options.fanout ? { FANOUT: '1' } : {}),
  }, async () => (await fetch(url)).ok);
  return serverHandle(url, child);
}

/** The bare ingest server's ways of writing (bare-ingest-server.ts), each a floor of the ingest section. */
export const BARE_INGEST_WRITES = ['statements', 'set', 'locked-set'] as const;
export type BareIngestWrites = (typeof BARE_INGEST_WRITES)[number];

/** What a bare ingest server's connections call themselves, so that their backends can be found in pg_stat_activity. */
export const bareIngestApplicationName = (writes: BareIngestWrites): string => `bench-ingest-floor-${writes}`;

/**
 * A bare callback receiver writing the naive transaction's rows (bare-ingest-server.ts): the floor
 * of the ingest section, with its statements pipelined per callback or one set-based statement
 * per batch.
 */
export async function startBareIngestServer(databaseUrl: string, writes: BareIngestWrites): Promise<BenchService> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { child } = await startServerProcess(`the bare ingest server (${writes})`, ['--import', 'tsx', 'bench/lib/bare-ingest-server.ts'], {
    NODE_ENV: 'production',
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    ZEGO_CALLBACK_SECRET: BENCH_SECRET,
    WRITES: writes,
    APPLICATION_NAME: bareIngestApplicationName(writes),
  }, async () => (await fetch(url)).ok);
  return serverHandle(url, child);
}

function serverHandle(url: string, child: ChildProcess): BenchService {
  return {
    url,
    pid: child.pid!,
    async rssBytes() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
      if (!kb) throw new Error(`no VmRSS for process ${child.pid}`);
      return Number(kb[1]) * 1024;
    },
    stop: () => stopChild(child),
  };
}

/**
 * A server in its own Node process, run from the project's root; resolves once `ready` says so.
 * Its output is dropped (for the service, one log line per callback is part of production's cost,
 * the lines themselves are not); the tail of its error output explains a failed start.
 */
export async function startServerProcess(
  name: string,
  args: string[],
  env: Record<string, string>,
  ready: () => Promise<boolean>,
): Promise<{ child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, args, { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  child.stderr!.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4000)));
  const stderr = () => tail;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${tail}`);
    try {
      if (await ready()) return { child, stderr };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stopChild(child);
  throw new Error(`${name} did not become ready within 60 s:\n${tail}`);
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
