import { readFile } from 'node:fs/promises';

/** User + system CPU time of a process, from /proc (clock ticks of 10 ms); 0 once it has gone. */
export async function cpuSeconds(pid: number): Promise<number> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
