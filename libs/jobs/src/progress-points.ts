import type { ProgressPoint } from '@cis490/contract';
import { InvalidProgressError } from './errors';

/** Keys of a trainer's progress line that are not metric series (SPEC §9). */
const RESERVED = new Set(['step', 'total', 'epoch', 'message', 'at']);
/** Bounds that keep one point a point: a trainer line is at most 4 KiB anyway. */
const MAX_MESSAGE_CHARS = 1000;
const MAX_SERIES = 64;
const MAX_SERIES_NAME = 64;

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * A trainer's line as a stored point: `step`, `total`, `epoch` numbers,
 * `message` a string, `at` an ISO time (else `now`); every other key with a
 * finite number is a metric series, anything else is left out.
 */
export function toProgressPoint(raw: Record<string, unknown>, index: number, now: string): ProgressPoint {
  const field = (name: string) => `points[${index}].${name}`;
  const number = (name: 'step' | 'total' | 'epoch'): number | null => {
    const value = raw[name];
    if (value === undefined || value === null) return null;
    if (!finite(value)) throw new InvalidProgressError(`${field(name)} must be a finite number`);
    return value;
  };
  let at = now;
  if (raw.at !== undefined && raw.at !== null) {
    if (typeof raw.at !== 'string' || Number.isNaN(Date.parse(raw.at))) {
      throw new InvalidProgressError(`${field('at')} must be an ISO-8601 time`);
    }
    at = new Date(raw.at).toISOString();
  }
  let message: string | null = null;
  if (raw.message !== undefined && raw.message !== null) {
    if (typeof raw.message !== 'string') throw new InvalidProgressError(`${field('message')} must be a string`);
    message = raw.message.length > MAX_MESSAGE_CHARS ? `${raw.message.slice(0, MAX_MESSAGE_CHARS - 1)}…` : raw.message;
  }
  const values: Record<string, number> = {};
  let series = 0;
  for (const [key, value] of Object.entries(raw)) {
    if (RESERVED.has(key) || !finite(value)) continue;
    if (key.length > MAX_SERIES_NAME) {
      throw new InvalidProgressError(`${field(key.slice(0, 20) + '…')}: a metric name has at most ${MAX_SERIES_NAME} characters`);
    }
    if (++series > MAX_SERIES) throw new InvalidProgressError(`points[${index}] has more than ${MAX_SERIES} metrics`);
    values[key] = value;
  }
  return { at, step: number('step'), total: number('total'), epoch: number('epoch'), message, values };
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
