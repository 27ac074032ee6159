/** A job's progress points as chart series. */
import type { ProgressPoint } from '@cis490/contract';

export interface Series {
  /** Steps, or seconds since the epoch when `time`. */
  xs: number[];
  ys: number[];
  time: boolean;
}

/**
 * Each metric over step when every point that carries it has one, else over
 * time: a trainer's message-only points (a first and a last line, say) have
 * no step and no metric, and do not push a curve onto the time axis.
 */
export function seriesOf(points: ProgressPoint[]): { names: string[]; series: Map<string, Series> } {
  const names = [...new Set(points.flatMap((p) => Object.keys(p.values)))];
  const series = new Map<string, Series>();
  for (const name of names) {
    const carrying = points.filter((p) => typeof p.values[name] === 'number');
    const time = carrying.some((p) => p.step == null);
    const xOf = (p: ProgressPoint) => (time ? Date.parse(p.at) / 1000 : p.step!);
    const sorted = carrying.sort((a, b) => xOf(a) - xOf(b));
    series.set(name, { xs: sorted.map(xOf), ys: sorted.map((p) => p.values[name]), time });
  }
  return { names, series };
}
