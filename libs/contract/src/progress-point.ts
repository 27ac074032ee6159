import type { ProgressPoint } from './live.types';

/** Keys of a trainer's progress line that are not metric series (SPEC §9). */
const RESERVED = new Set(['step', 'total', 'epoch', 'message', 'at']);
/** Bounds that keep one point a point: a trainer's line is at most 4 KiB anyway. */
export const MAX_PROGRESS_MESSAGE_CHARS = 1000;
export const MAX_PROGRESS_SERIES = 64;
export const MAX_PROGRESS_SERIES_NAME = 64;

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** A point, or what is wrong with the line: `{field, problem}` (the field may be '' for the line itself). */
export type ParsedPoint = { point: ProgressPoint } | { field: string; problem: string };

/**
 * A trainer's progress line (a parsed JSON object) as a point: `step`,
 * `total`, `epoch` numbers, `message` a string, `at` an ISO time (else
 * `now`); every other key with a finite number is a metric series, anything
 * else is left out. The worker reads lines with it and the receiver checks
 * what it is sent with it, so both sides agree on what a good point is.
 */
export function parseProgressPoint(raw: Record<string, unknown>, now: string): ParsedPoint {
  const numbers: Partial<Record<'step' | 'total' | 'epoch', number | null>> = {};
  for (const name of ['step', 'total', 'epoch'] as const) {
    const value = raw[name];
    if (value !== undefined && value !== null && !finite(value)) return { field: name, problem: 'must be a finite number' };
    numbers[name] = value ?? null;
  }
  let at = now;
  if (raw.at !== undefined && raw.at !== null) {
    if (typeof raw.at !== 'string' || Number.isNaN(Date.parse(raw.at))) return { field: 'at', problem: 'must be an ISO-8601 time' };
    at = new Date(raw.at).toISOString();
  }
  let message: string | null = null;
  if (raw.message !== undefined && raw.message !== null) {
    if (typeof raw.message !== 'string') return { field: 'message', problem: 'must be a string' };
    message =
      raw.message.length > MAX_PROGRESS_MESSAGE_CHARS ? `${raw.message.slice(0, MAX_PROGRESS_MESSAGE_CHARS - 1)}…` : raw.message;
  }
  const values: Record<string, number> = {};
  let series = 0;
  for (const [key, value] of Object.entries(raw)) {
    if (RESERVED.has(key) || !finite(value)) continue;
    if (key.length > MAX_PROGRESS_SERIES_NAME) {
      return { field: `${key.slice(0, 20)}…`, problem: `a metric name has at most ${MAX_PROGRESS_SERIES_NAME} characters` };
    }
    if (++series > MAX_PROGRESS_SERIES) return { field: '', problem: `has more than ${MAX_PROGRESS_SERIES} metrics` };
    values[key] = value;
  }
  return { point: { at, step: numbers.step ?? null, total: numbers.total ?? null, epoch: numbers.epoch ?? null, message, values } };
}
