/** How values read on screen: relative times with exact ones beside, sizes in KiB/MiB, short ids. */
import type { Capability } from '@cis490/contract';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `1536` → `1.5 KiB`; bytes below 1 KiB stay whole. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes == null || !Number.isFinite(bytes)) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${bytes} B`;
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}

/** `3725` → `1 h 2 min`; seconds under a minute, minutes under a day. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) {
    const m = Math.floor((s % 3600) / 60);
    return m ? `${Math.floor(s / 3600)} h ${m} min` : `${Math.floor(s / 3600)} h`;
  }
  const h = Math.floor((s % 86400) / 3600);
  return h ? `${Math.floor(s / 86400)} d ${h} h` : `${Math.floor(s / 86400)} d`;
}

/** `in 5 min`, `just now`, `3 h ago`, against `now` (ms). */
export function formatRelative(iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  const diff = (now - Date.parse(iso)) / 1000;
  if (!Number.isFinite(diff)) return '—';
  if (Math.abs(diff) < 10) return 'just now';
  return diff > 0 ? `${formatDuration(diff)} ago` : `in ${formatDuration(-diff)}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `2026-11-28 14:03:12 UTC+01:00` in the browser's zone: what a hover shows. */
export function formatExact(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const offset = -d.getTimezoneOffset();
  const zone = offset === 0 ? 'UTC' : `UTC${offset > 0 ? '+' : '-'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${zone}`
  );
}

/** The first 8 characters: the shortest prefix the API accepts, and what the CLI prints. */
export const shortId = (id: string) => id.slice(0, 8);

/** A number as a table shows it: integers whole, others to 4 significant digits. */
export function formatNumber(value: unknown): string {
  if (typeof value !== 'number') return value == null ? '—' : String(value);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Math.abs(value) >= 1e4 || Math.abs(value) < 1e-3 ? value.toPrecision(4) : String(+value.toPrecision(4));
}

/** A hyper value as a cell shows it: strings bare, the rest as JSON. */
export const formatValue = (value: unknown): string =>
  value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);

/** `lr=0.1 depth=6`: a job's hyperparameters on one line. */
export const formatHyper = (hyper: Record<string, unknown>): string =>
  Object.entries(hyper)
    .map(([k, v]) => `${k}=${formatValue(v)}`)
    .join(' ');

/** `8 cores · 31 GiB RAM · 2× RTX 4090 (24 GiB)`, or `CPU only`. */
export function formatCapability(c: Capability): string {
  const parts = [`${c.cores} cores`, `${c.ram_gib} GiB RAM`];
  if (c.cuda && c.gpus.length) {
    const byName = new Map<string, number>();
    for (const gpu of c.gpus) {
      const key = `${gpu.name} (${gpu.vram_gib} GiB)`;
      byName.set(key, (byName.get(key) ?? 0) + 1);
    }
    for (const [name, n] of byName) parts.push(n > 1 ? `${n}× ${name}` : name);
  } else {
    parts.push(c.cuda ? `CUDA, ${c.vram_gib} GiB VRAM` : 'CPU only');
  }
  return parts.join(' · ');
}

/** The fraction done of a progress point, or null when the trainer gave no total. */
export function progressFraction(p: { step: number | null; total: number | null } | null | undefined): number | null {
  if (!p || p.step == null || !p.total) return null;
  return Math.min(1, Math.max(0, p.step / p.total));
}
