import { type JobPage, terminalSafeDeep } from '@cis490/contract';
import { Palette } from '../output/colors';
import { relativeTime } from '../output/relative-time';
import { renderTable } from '../output/table';
import { shortId, truncate } from '../output/text';
import { colorStatus } from './job-status.format';

export function formatJobList(received: JobPage, limit: number, colors: Palette, now: number): string {
  // What the fleet sends is shown to a person: no escape sequence of a worker's may reach the terminal.
  const page = terminalSafeDeep(received);
  if (!page.jobs.length) return 'no jobs match';
  const rows = page.jobs.map((j) => [
    shortId(j.id),
    colorStatus(j.status, colors),
    truncate(j.model, 12),
    truncate(j.mode, 12),
    String(j.seed),
    `${j.attempts}/${j.max_attempts}`,
    truncate(j.worker_id ?? '-', 10),
    relativeTime(j.updated_at, now),
  ]);
  const table = renderTable(['ID', 'STATUS', 'MODEL', 'MODE', 'SEED', 'TRIES', 'WORKER', 'UPDATED'], rows, colors);
  const n = page.jobs.length;
  const footer = page.next_cursor
    ? `${n} jobs shown; more match (raise --limit, now ${limit})`
    : `${n} job${n === 1 ? '' : 's'}`;
  return `${table}\n${colors.dim(footer)}`;
}
