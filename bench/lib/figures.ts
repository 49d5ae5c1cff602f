/**
 * What every benchmark section reports: figures, each the median of several runs, set beside the
 * limit it is held to (a target, a measured limit such as pgbench, or a peer such as PostGraphile).
 */

export interface Target {
  /** `atMost`: lower is better and must not exceed; `atLeast`: higher is better. */
  kind: 'atMost' | 'atLeast';
  value: number;
  /** What the value is: "target", or the measured limit/peer it came from ("pgbench, same SQL"). */
  against: string;
}

export interface Figure {
  name: string;
  unit: string;
  /** One value per run, in run order. */
  runs: number[];
  median: number;
  target?: Target;
  /** median / target.value, so 1.0 is exactly at the limit. */
  ratio?: number;
  met?: boolean;
  /** Anything a reader needs to interpret the figure (load shape, sizes). */
  note?: string;
}

export interface SectionResult {
  section: string;
  figures: Figure[];
  /** Raw numbers beyond the figures (per-run detail), kept in the JSON only. */
  raw?: unknown;
}

export interface BenchContext {
  /** A postgres:// URL of the server; sections create and drop their own databases on it. */
  serverUrl: string;
  /** Tiny sizes and one run: proves the bench still works, measures nothing. */
  smoke: boolean;
  /** How many times each measured figure is repeated (the median is reported). */
  runs: number;
  log(line: string): void;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile, p in (0, 100]. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function figure(name: string, unit: string, runs: number[], target?: Target, note?: string): Figure {
  const value = median(runs);
  if (!target) return { name, unit, runs, median: value, note };
  // A target of 0 (events lost) has no meaningful ratio.
  const ratio = target.value === 0 ? undefined : value / target.value;
  const met = target.kind === 'atMost' ? value <= target.value : value >= target.value;
  return { name, unit, runs, median: value, target, ratio, met, note };
}
