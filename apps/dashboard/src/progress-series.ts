/** A job's progress points as chart series. */
import type { ProgressPoint } from '@cis490/contract';

export interface Series {
  /** Steps, or seconds since the epoch when `time`. */
  xs: number[];
  ys: (number | null)[];
  time: boolean;
}

/** Each metric over step when every point has one, else over time. */
export function seriesOf(points: ProgressPoint[]): { names: string[]; series: Map<string, Series> } {
  const time = points.some((p) => p.step == null);
  const xOf = (p: ProgressPoint) => (time ? Date.parse(p.at) / 1000 : p.step!);
  const sorted = points.slice().sort((a, b) => xOf(a) - xOf(b));
  const names = [...new Set(sorted.flatMap((p) => Object.keys(p.values)))];
  const xs = sorted.map(xOf);
  const series = new Map(names.map((name) => [name, { xs, ys: sorted.map((p) => p.values[name] ?? null), time }]));
  return { names, series };
}

