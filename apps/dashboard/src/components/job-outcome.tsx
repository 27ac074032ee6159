import type { JobView } from '@cis490/contract';
import { formatNumber } from '../format';
import { ProgressBar } from './progress-bar';

/** The first numeric metrics of a finished job, as `accuracy 0.91 · loss 0.23`. */
export function metricsSummary(metrics: Record<string, unknown> | null, max = 2): string {
  if (!metrics) return '';
  return Object.entries(metrics)
    .filter(([, v]) => typeof v === 'number')
    .slice(0, max)
    .map(([k, v]) => `${k} ${formatNumber(v)}`)
    .join(' · ');
}

/** What a row says of a job beyond its status: progress while it runs, metrics or error once it ended. */
export function JobOutcome({ job }: { job: JobView }) {
  switch (job.status) {
    case 'claimed':
    case 'running':
      return <ProgressBar progress={job.progress} compact />;
    case 'completed':
      return <span class="mono small">{metricsSummary(job.metrics) || 'completed'}</span>;
    case 'failed':
      return (
        <span class="error-text ellipsis" title={job.error ?? ''}>
          {job.error?.split('\n')[0] ?? 'failed'}
        </span>
      );
    case 'pending':
      return job.attempts > 0 ? <span class="muted">retry {job.attempts + 1} of {job.max_attempts}</span> : <span class="muted">waiting</span>;
    default:
      return <span class="muted">—</span>;
  }
}
