import { JOB_STATUSES, JobCounts, JobStatus } from '@cis490/contract';
import { Palette } from '../output/colors';

export function colorStatus(status: JobStatus, colors: Palette): string {
  switch (status) {
    case 'completed':
      return colors.green(status);
    case 'failed':
      return colors.red(status);
    case 'running':
      return colors.cyan(status);
    case 'claimed':
      return colors.blue(status);
    case 'pending':
      return colors.yellow(status);
    default:
      return colors.dim(status);
  }
}

/** `pending 3  claimed 0  running 1  …  (14 in all)` */
export function formatCounts(counts: JobCounts, colors: Palette): string {
  const parts = JOB_STATUSES.map((s) => `${colorStatus(s, colors)} ${counts[s] ?? 0}`);
  const total = JOB_STATUSES.reduce((n, s) => n + (counts[s] ?? 0), 0);
  return `${parts.join('  ')}  (${total} in all)`;
}
