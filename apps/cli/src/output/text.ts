/** Table cells show ids this long; `show` and `--json` show them whole. */
export const SHORT_ID = 12;

export const shortId = (id: string | null | undefined): string => (id ? id.slice(0, SHORT_ID) : '-');

/** Cuts a cell to `max` characters, marking the cut. */
export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`;
}

/** The first line of a multi-line message. */
export const firstLine = (s: string): string => s.trim().split(/\r?\n/, 1)[0] ?? '';

/**
 * The line that says what went wrong in a trainer's error: its stderr's last lines end with
 * the exception (`ValueError: …`), where the first is only `Traceback (most recent call last):`.
 */
export const errorSummary = (s: string): string => s.trim().split(/\r?\n/).pop()?.trim() ?? '';

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(n: number): string {
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${BYTE_UNITS[unit]}`;
}

/** `24G`: a GiB figure as a compact table cell. */
export const gib = (n: number): string => `${Number.isInteger(n) ? n : n.toFixed(1)}G`;

/** A metric or hyper value as a table cell: numbers to 4 significant digits (0.8333, 1235, 0.000123). */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}
