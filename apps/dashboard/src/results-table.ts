/** The leaderboard's columns and its CSV: one row per completed job, hyper values and metrics as columns. */
import type { ResultRow, ResultsView } from '@cis490/contract';
import { toCsv } from './csv';

/** The numeric metrics any row has, in the order first seen. */
export const numericKeys = (rows: ResultRow[]) =>
  [...new Set(rows.flatMap((r) => Object.entries(r.metrics ?? {}).filter(([, v]) => typeof v === 'number').map(([k]) => k)))];
/** Every hyperparameter any row has, sorted: one column each. */
export const hyperKeys = (rows: ResultRow[]) => [...new Set(rows.flatMap((r) => Object.keys(r.hyper)))].sort();

export function resultsCsv(board: ResultsView): string {
  const hyper = hyperKeys(board.results);
  const metrics = numericKeys(board.results);
  return toCsv(
    ['rank', 'job_id', 'mode', 'seed', ...hyper, ...metrics, 'finished_at', 'worker_id', 'artifact_sha256'],
    board.results.map((r, i) => [
      i + 1, r.job_id, r.mode, r.seed,
      ...hyper.map((k) => r.hyper[k]),
      ...metrics.map((k) => r.metrics?.[k]),
      r.finished_at, r.worker_id, r.artifact_sha256,
    ]),
  );
}

