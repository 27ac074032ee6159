import { parseProgressPoint, type ProgressPoint } from '@cis490/contract';
import { InvalidProgressError } from './errors';

/** A point sent as `points[index]`, or a 400 naming the point and its field. */
export function toProgressPoint(raw: Record<string, unknown>, index: number, now: string): ProgressPoint {
  const parsed = parseProgressPoint(raw, now);
  if ('point' in parsed) return parsed.point;
  const where = parsed.field ? `points[${index}].${parsed.field}` : `points[${index}]`;
  throw new InvalidProgressError(`${where} ${parsed.problem}`);
}

/**
 * Even thinning. Points are numbered 0, 1, 2… as they arrive; an attempt
 * keeps those whose number is a multiple of its stride, and always the
 * newest. When that would be more than `max`, the stride doubles — so the
 * kept points stay evenly spread over the whole run, however long.
 */
export function keptCount(seen: number, stride: number): number {
  if (seen === 0) return 0;
  const last = seen - 1;
  return Math.floor(last / stride) + 1 + (last % stride === 0 ? 0 : 1);
}

export function strideFor(seen: number, stride: number, max: number): number {
  let s = Math.max(1, stride);
  while (keptCount(seen, s) > max) s *= 2;
  return s;
}
