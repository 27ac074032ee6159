/** Job views from events and from REST, in any order: the newer one wins. */
import type { JobView } from '@cis490/contract';

const stamp = (iso: string | null | undefined) => (iso ? Date.parse(iso) : 0);

/**
 * Whether `incoming` is at least as recent as `known`: a job view's
 * `updated_at` moves on every transition, and its latest progress and log size
 * only grow within an attempt.
 */
export function isNewer(incoming: JobView, known: JobView): boolean {
  const dt = stamp(incoming.updated_at) - stamp(known.updated_at);
  if (dt !== 0) return dt > 0;
  if (incoming.attempt !== known.attempt) return incoming.attempt > known.attempt;
  return (
    stamp(incoming.progress?.at) >= stamp(known.progress?.at) && (incoming.log_size ?? 0) >= (known.log_size ?? 0)
  );
}

/** `jobs` with `job` in place of the view of the same id when it is newer; the same array otherwise. */
export function replaceJob<J extends JobView>(jobs: J[], job: JobView): J[] {
  const i = jobs.findIndex((j) => j.id === job.id);
  if (i < 0 || !isNewer(job, jobs[i])) return jobs;
  const next = jobs.slice();
  next[i] = { ...jobs[i], ...job };
  return next;
}
