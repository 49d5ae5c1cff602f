import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PgbenchScripts } from './callback-sql.js';

const run = promisify(execFile);

export interface PgbenchResult {
  tps: number;
  transactions: number;
  latencyAverageMs: number;
}

/**
 * Drives the captured login and logout scripts, half each, at `clients` connections for
 * `seconds`, prepared statements (as postgres.js sends them), and fails on any failed transaction.
 */
export async function runPgbench(
  databaseUrl: string,
  scripts: PgbenchScripts,
  options: { clients: number; seconds: number; variant?: 'notify' | 'naive' },
): Promise<PgbenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'presence-pgbench-'));
  const [login, logout] =
    options.variant === 'notify' ? [scripts.loginNotify, scripts.logoutNotify]
    : options.variant === 'naive' ? [scripts.loginNaive, scripts.logoutNaive]
    : [scripts.login, scripts.logout];
  try {
    await writeFile(join(dir, 'login.sql'), login);
    await writeFile(join(dir, 'logout.sql'), logout);
    const constants = Object.entries(scripts.constants).flatMap(([name, value]) => ['-D', `${name}=${value}`]);
    const { stdout } = await run(
      'pgbench',
      ['-n', '-M', 'prepared', '-c', String(options.clients), '-j', '2', '-T', String(options.seconds),
        '-f', join(dir, 'login.sql@1'), '-f', join(dir, 'logout.sql@1'), ...constants, databaseUrl],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    const read = (pattern: RegExp, what: string): number => {
      const match = pattern.exec(stdout);
      if (!match) throw new Error(`pgbench printed no ${what}:\n${stdout}`);
      return Number(match[1]);
    };
    const failed = /number of failed transactions: (\d+)/.exec(stdout);
    if (failed && Number(failed[1]) > 0) throw new Error(`pgbench: ${failed[1]} transactions failed:\n${stdout}`);
    return {
      tps: read(/tps = ([\d.]+) \(without initial connection time\)/, 'tps'),
      transactions: read(/number of transactions actually processed: (\d+)/, 'transaction count'),
      latencyAverageMs: read(/latency average = ([\d.]+) ms/, 'latency'),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
