import type { JobRow } from './job-row';

type RetrySettings = Pick<JobRow, 'retry_backoff_s' | 'retry_backoff_max_s'>;

/** Seconds the n-th retry waits (SPEC §10): retry_backoff_s × 2^(n-1), capped; 0 = at once. */
export function backoffS(job: RetrySettings, retry: number): number {
  const base = Number(job.retry_backoff_s);
  if (base <= 0) return 0;
  return Math.min(base * 2 ** Math.max(0, retry - 1), Number(job.retry_backoff_max_s));
}

/** Whether the job's retry_on_exit_codes make a trainer's exit code worth another attempt. */
export function retriesExitCode(job: Pick<JobRow, 'retry_on_exit_codes'>, exitCode: number | undefined): boolean {
  return exitCode !== undefined && (JSON.parse(job.retry_on_exit_codes) as number[]).includes(exitCode);
}

/**
 * What a job going back to pending for its n-th retry waits for: the
 * backoff, and the worker whose attempt failed kept off it for twice as long.
 */
export function retryWait(job: RetrySettings, retry: number, now: Date, failedOn: string | null): Partial<JobRow> {
  const seconds = backoffS(job, retry);
  if (seconds === 0) return { not_before: null, avoid_worker_id: null, avoid_until: null };
  const at = (s: number) => new Date(now.getTime() + s * 1000).toISOString();
  return { not_before: at(seconds), avoid_worker_id: failedOn, avoid_until: failedOn === null ? null : at(2 * seconds) };
}
