import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { SectionResult } from '../bench/lib/figures.js';
import { BARE_INGEST_WRITES } from '../bench/lib/service.js';
import { databaseTargets } from './support/databases.js';

/**
 * `npm run bench` is not part of the test run (its figures need a quiet machine and minutes), but
 * its smoke mode is: every section runs at tiny sizes against the PostgreSQL server, so the bench
 * cannot rot unnoticed. Nothing here looks at a timing.
 */
const server = databaseTargets().some((t) => t.name === 'postgres') ? process.env.DATABASE_URL : undefined;

describe.skipIf(!server)('npm run bench -- --smoke', () => {
  it('runs every section end to end and reports every figure', { timeout: 300_000 }, async () => {
    const out = await mkdtemp(join(tmpdir(), 'presence-bench-smoke-'));
    try {
      await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--smoke', '--out', out], {
        env: { ...process.env, DATABASE_URL: server },
        maxBuffer: 64 * 1024 * 1024,
      });
      const [file] = await readdir(out);
      const report = JSON.parse(await readFile(join(out, file!), 'utf8')) as { smoke: boolean; results: SectionResult[] };
      expect(report.smoke).toBe(true);
      expect(report.results.map((r) => r.section)).toEqual(['ingest', 'fanout', 'memory', 'history']);
      for (const { section, figures } of report.results) {
        expect(figures.length, section).toBeGreaterThan(0);
        for (const f of figures) {
          expect(f.runs, `${section}: ${f.name}`).toHaveLength(1);
          expect(Number.isFinite(f.median), `${section}: ${f.name} = ${f.median}`).toBe(true);
          if (f.target) expect(typeof f.met, `${section}: ${f.name}`).toBe('boolean');
        }
      }
      const ingest = report.results.find((r) => r.section === 'ingest')!.raw as {
        service: { load: { applied: number } }[];
        pgbench: { transactions: number }[];
        floors: Record<string, { load: { applied: number } }[]>;
      };
      expect(ingest.service[0]!.load.applied).toBeGreaterThan(0);
      expect(ingest.pgbench[0]!.transactions).toBeGreaterThan(0);
      // The bare ingest servers' SQL names the schema's tables and columns: a migration must not leave it behind.
      expect(Object.keys(ingest.floors)).toEqual([...BARE_INGEST_WRITES]);
      for (const [writes, runs] of Object.entries(ingest.floors)) expect(runs[0]!.load.applied, writes).toBeGreaterThan(0);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
