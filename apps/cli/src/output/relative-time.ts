const UNITS: [limit: number, seconds: number, suffix: string][] = [
  [60, 1, 's'],
  [3600, 60, 'm'],
  [86400, 3600, 'h'],
  [Infinity, 86400, 'd'],
];

/** "3m ago", "in 2h", "just now"; "-" for a time that is not set. */
export function relativeTime(iso: string | null | undefined, now: number): string {
  if (!iso) return '-';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const diff = Math.round((at - now) / 1000);
  const abs = Math.abs(diff);
  if (abs < 1) return 'just now';
  const [, seconds, suffix] = UNITS.find(([limit]) => abs < limit)!;
  const span = `${Math.floor(abs / seconds)}${suffix}`;
  return diff < 0 ? `${span} ago` : `in ${span}`;
}

/** `2026-11-28 14:03:09Z`: an absolute UTC time short enough for a table. */
export function shortTimestamp(iso: string | null | undefined): string {
  if (!iso) return '-';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return at.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** "3h 12m" for an uptime in seconds. */
export function duration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${s % 60}s`;
  return `${s}s`;
}
