import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { RunReport } from '../../scripts/simulator/report.js';

/** The real simulator script (`npm run simulate` runs it) as a child process, with its JSON report. */
export async function runSimulator(args: string[], env: Record<string, string>): Promise<{ code: number | null; report: RunReport; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/simulate.ts', ...args, '--report', 'json'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  let report: RunReport;
  try {
    report = JSON.parse(stdout) as RunReport;
  } catch {
    throw new Error(`the simulator exited ${code} without a JSON report:\n${stdout}\n${stderr}`);
  }
  return { code, report, stderr };
}
