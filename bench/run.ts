/**
 * `npm run bench`: measures the service against its limits on this machine, in one run, and
 * appends the table to BENCHMARKS.md with the raw numbers in bench/results/. BENCHMARKS.md says
 * what each section does. Options: --smoke (tiny sizes, one run, writes only to --out),
 * --runs N (repeats per figure, default 3), --only ingest,fanout,memory,history, --out DIR (raw numbers there, and nothing appended to BENCHMARKS.md).
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchContext, SectionResult } from './lib/figures.js';
import { describeMachine, markdownReport } from './lib/report.js';
import { SECTIONS } from './sections/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    runs: { type: 'string' },
    only: { type: 'string' },
    out: { type: 'string' },
  },
});

const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
if (!/^postgres(ql)?:\/\//.test(serverUrl)) {
  console.error('DATABASE_URL must be a postgres:// URL: the benchmarks run against a PostgreSQL server');
  process.exit(2);
}
const wanted = values.only?.split(',').map((s) => s.trim()) ?? Object.keys(SECTIONS);
const unknown = wanted.filter((name) => !(name in SECTIONS));
if (unknown.length > 0) {
  console.error(`unknown section ${unknown.join(', ')}; sections are ${Object.keys(SECTIONS).join(', ')}`);
  process.exit(2);
}

const context: BenchContext = {
  serverUrl,
  smoke: values.smoke,
  runs: values.smoke ? 1 : Number(values.runs ?? 3),
  log: (line) => console.error(`[bench] ${line}`),
};

const startedAt = new Date();
const machine = await describeMachine(serverUrl);
const results: SectionResult[] = [];
for (const name of wanted) {
  context.log(`section ${name}`);
  results.push(await SECTIONS[name as keyof typeof SECTIONS](context));
}

const outDir = values.out ?? join(root, 'bench', 'results');
await mkdir(outDir, { recursive: true });
const rawFile = join(outDir, `${startedAt.toISOString().replace(/[:.]/g, '-')}${values.smoke ? '-smoke' : ''}.json`);
await writeFile(rawFile, `${JSON.stringify({ startedAt, smoke: values.smoke, runs: context.runs, machine, results }, null, 2)}\n`);
const markdown = markdownReport(startedAt, machine, results, relative(root, rawFile));
// A run with its own --out (development, smoke) leaves BENCHMARKS.md alone.
if (!values.smoke && values.out === undefined) await appendFile(join(root, 'BENCHMARKS.md'), `\n${markdown}`);
console.log(markdown);
