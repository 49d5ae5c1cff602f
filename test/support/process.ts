import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** The real entry point (`npm start` runs it) as a child process, with its output collected. */
export function startMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
  createInterface({ input: child.stderr }).on('line', (line) => lines.push(line));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const line = lines.find((l) => l.includes('presence service listening'));
      if (line) {
        clearInterval(timer);
        resolve((JSON.parse(line) as { url: string }).url);
      }
    }, 50);
    void exited.then(() => {
      clearInterval(timer);
      reject(new Error(`exited before listening:\n${lines.join('\n')}`));
    });
  });
  listening.catch(() => {}); // a test that expects an early exit never awaits it
  return { child, lines, exited, listening };
}
