import { HyperAxis, setOwn } from './hyper.values';

export interface SweepPoint {
  mode: string;
  seed: number;
  hyper: Record<string, unknown>;
}

/** How many jobs a sweep expands to (Infinity-safe: may exceed 2^53). */
export function sweepSize(modes: readonly unknown[], seeds: readonly unknown[], axes: readonly HyperAxis[]): number {
  return axes.reduce((n, axis) => n * axis.values.length, modes.length * seeds.length);
}

/**
 * The cartesian product in its documented order: modes outermost, then seeds,
 * then hyper axes sorted by key, the last varying fastest; each axis in the
 * order it was listed. Hyper objects keep the manifest's key order.
 */
export function expandSweep(modes: readonly string[], seeds: readonly number[], axes: readonly HyperAxis[]): SweepPoint[] {
  const byKey = axes.map((_, i) => i).sort((a, b) => (axes[a].key < axes[b].key ? -1 : axes[a].key > axes[b].key ? 1 : 0));
  // Odometer digit of each axis (in manifest order): 0 = mode, 1 = seed, then the sorted axes.
  const digitOf = new Array<number>(axes.length);
  byKey.forEach((axisIndex, position) => (digitOf[axisIndex] = position + 2));
  const radix = [modes.length, seeds.length, ...byKey.map((i) => axes[i].values.length)];
  const total = sweepSize(modes, seeds, axes);
  const digits = new Array<number>(radix.length).fill(0);
  const points: SweepPoint[] = [];
  for (let n = 0; n < total; n++) {
    const hyper: Record<string, unknown> = {};
    axes.forEach((axis, i) => setOwn(hyper, axis.key, axis.values[digits[digitOf[i]]]));
    points.push({ mode: modes[digits[0]], seed: seeds[digits[1]], hyper });
    for (let d = radix.length - 1; d >= 0; d--) {
      if (++digits[d] < radix[d]) break;
      digits[d] = 0;
    }
  }
  return points;
}

/** `mode=oracle, seed=1, lr=0.01`: the coordinates that tell a sweep's points apart. */
export function describePoint(point: SweepPoint, axes: readonly HyperAxis[]): string {
  const parts = [`mode=${point.mode}`, `seed=${point.seed}`];
  for (const axis of axes) {
    if (axis.values.length > 1) parts.push(`${axis.key}=${JSON.stringify(point.hyper[axis.key])}`);
  }
  return parts.join(', ');
}
