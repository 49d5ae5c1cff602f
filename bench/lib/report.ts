import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import postgres from 'postgres';
import type { Figure, SectionResult } from './figures.js';

export interface Machine {
  cores: number;
  memoryGiB: number;
  cpu: string;
  node: string;
  postgres: string;
  pgbench: string;
}

export async function describeMachine(serverUrl: string): Promise<Machine> {
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    const [{ server_version }] = (await sql`show server_version`) as unknown as [{ server_version: string }];
    return {
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      node: process.version,
      postgres: server_version,
      pgbench: execFileSync('pgbench', ['--version'], { encoding: 'utf8' }).trim(),
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

const number = (value: number, unit: string): string => {
  if (!Number.isFinite(value)) return String(value);
  const digits = Math.abs(value) >= 100 || unit === 'lost' ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
};

function limitCell(f: Figure): string {
  if (!f.target) return '';
  const sign = f.target.kind === 'atMost' ? '≤' : '≥';
  return `${sign} ${number(f.target.value, f.unit)} ${f.unit} (${f.target.against})`;
}

function row(section: string, f: Figure): string {
  const verdict = f.met === undefined ? '' : f.met ? 'met' : '**missed**';
  const ratio = f.ratio === undefined ? '' : `${f.ratio.toFixed(2)}`;
  const runs = f.runs.map((v) => number(v, f.unit)).join(' / ');
  return `| ${section} | ${f.name} | ${number(f.median, f.unit)} ${f.unit} | ${runs} | ${limitCell(f)} | ${ratio} | ${verdict} | ${f.note ?? ''} |`;
}

/** The markdown appended to BENCHMARKS.md for one run of `npm run bench`. */
export function markdownReport(startedAt: Date, machine: Machine, results: SectionResult[], rawFile: string): string {
  return [
    `## ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `Machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB; Node ${machine.node}; PostgreSQL ${machine.postgres}; ${machine.pgbench}. Raw numbers: \`${rawFile}\`.`,
    '',
    '| Section | Figure | Median | Runs | Limit | Ratio | Verdict | Note |',
    '|---|---|---|---|---|---|---|---|',
    ...results.flatMap((r) => r.figures.map((f) => row(r.section, f))),
    '',
  ].join('\n');
}
