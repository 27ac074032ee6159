import { type ResultRow, type ResultsView, terminalSafeDeep } from '@cis490/contract';
import { Palette } from '../output/colors';
import { shortTimestamp } from '../output/relative-time';
import { renderTable } from '../output/table';
import { formatValue, shortId, truncate } from '../output/text';

/** Hyper values and non-numeric metrics are cut to this width; `--json` has them whole. */
const CELL_MAX = 16;

const sortedKeys = (objects: (Record<string, unknown> | null)[], keep: (v: unknown) => boolean): string[] => {
  const keys = new Set<string>();
  for (const o of objects) for (const [k, v] of Object.entries(o ?? {})) if (keep(v)) keys.add(k);
  return [...keys].sort();
};

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * The leaderboard: rank, job, mode, seed, the ranked metric then every other
 * numeric one, each hyper key as a column, and when the job finished.
 */
export function formatResults(received: ResultsView, asked: { mode?: string; limit: number }, colors: Palette): string {
  // What the fleet sends is shown to a person: no escape sequence of a worker's may reach the terminal.
  const view = terminalSafeDeep(received);
  const what = asked.mode ? `${view.model}/${asked.mode}` : view.model;
  const rows = view.results;
  if (!rows.length) return `no completed jobs of ${what} yet`;
  const ranked = view.metric;
  const others = sortedKeys(rows.map((r) => r.metrics), isFiniteNumber).filter((k) => k !== ranked);
  const metrics = ranked ? [ranked, ...others] : others;
  const hyper = sortedKeys(rows.map((r) => r.hyper), () => true);

  const arrow = view.order === 'asc' ? '↑' : '↓';
  const head = ['#', 'JOB', 'MODE', 'SEED', ...metrics.map((m) => (m === ranked ? `${m} ${arrow}` : m)), ...hyper, 'FINISHED'];
  const cells = (r: ResultRow, rank: number): string[] => [
    String(rank),
    shortId(r.job_id),
    truncate(r.mode, 12),
    String(r.seed),
    ...metrics.map((m) => truncate(formatValue(r.metrics?.[m]), CELL_MAX)),
    ...hyper.map((h) => truncate(formatValue(r.hyper[h]), CELL_MAX)),
    shortTimestamp(r.finished_at),
  ];
  const title = ranked
    ? `${what}: ${rows.length} completed job${rows.length === 1 ? '' : 's'} ranked by ${ranked}, ${view.order === 'asc' ? 'lowest' : 'highest'} first`
    : `${what}: ${rows.length} completed job${rows.length === 1 ? '' : 's'}, none with a numeric metric to rank by`;
  const table = renderTable(head, rows.map((r, i) => cells(r, i + 1)), colors);
  const more = rows.length >= asked.limit ? `\n${colors.dim(`the first ${asked.limit} shown; raise --limit for more`)}` : '';
  return `${colors.dim(title)}\n${table}${more}`;
}
