import { type FleetEvent, type JobCounts, type JobView, terminalSafeDeep, type WorkerView } from '@cis490/contract';

/** The jobs `watch` shows: those a worker holds. */
export const isActive = (job: JobView): boolean => job.status === 'claimed' || job.status === 'running';

export interface FleetSnapshot {
  counts: JobCounts;
  workers: WorkerView[];
  /** The claimed and running jobs. */
  jobs: JobView[];
}

/**
 * What `watch` knows of the fleet: a REST snapshot, then kept current by the
 * event stream. Each job or worker message is the whole view, so applying one
 * twice changes nothing; one older than what is held (a message that was on
 * its way while the snapshot was read) is ignored.
 */
export class FleetState {
  counts: JobCounts | null = null;
  readonly workers = new Map<string, WorkerView>();
  readonly jobs = new Map<string, JobView>();

  /** What is held is only ever shown: it is made terminal-safe as it comes in. */
  replace(received: FleetSnapshot): void {
    const s = terminalSafeDeep(received);
    this.counts = s.counts;
    this.workers.clear();
    for (const w of s.workers) this.workers.set(w.worker_id, w);
    this.jobs.clear();
    for (const j of s.jobs) if (isActive(j)) this.jobs.set(j.id, j);
  }

  /** Applies one message; false when it is older than what is held, and so was ignored. */
  apply(received: FleetEvent): boolean {
    const e = terminalSafeDeep(received);
    switch (e.event) {
      case 'counts':
        this.counts = e.data as JobCounts;
        return true;
      case 'worker': {
        const w = e.data as WorkerView;
        const held = this.workers.get(w.worker_id);
        if (held && held.last_seen > w.last_seen) return false;
        this.workers.set(w.worker_id, w);
        return true;
      }
      case 'job': {
        const j = e.data as JobView;
        const held = this.jobs.get(j.id);
        if (held && isOlder(j, held)) return false;
        if (isActive(j)) this.jobs.set(j.id, j);
        else this.jobs.delete(j.id);
        return true;
      }
      default:
        return false;
    }
  }

  /** Running jobs first, then claimed; each group by when it was claimed. */
  activeJobs(): JobView[] {
    const rank = (j: JobView) => (j.status === 'running' ? 0 : 1);
    return [...this.jobs.values()].sort(
      (a, b) => rank(a) - rank(b) || (a.claimed_at ?? '').localeCompare(b.claimed_at ?? '') || a.id.localeCompare(b.id),
    );
  }

  /** Online workers first, then by id. */
  workerList(): WorkerView[] {
    return [...this.workers.values()].sort((a, b) => Number(b.online) - Number(a.online) || a.worker_id.localeCompare(b.worker_id));
  }
}

/** A job view that describes an earlier moment than `held` (ISO-8601 UTC strings compare as times). */
function isOlder(j: JobView, held: JobView): boolean {
  if (j.attempt !== held.attempt) return j.attempt < held.attempt;
  if (j.updated_at !== held.updated_at) return j.updated_at < held.updated_at;
  if (j.log_size !== held.log_size) return j.log_size < held.log_size;
  return (j.progress?.at ?? '') < (held.progress?.at ?? '');
}
