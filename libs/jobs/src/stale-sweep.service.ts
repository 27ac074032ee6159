import { Inject, Injectable } from '@nestjs/common';
import { Db } from '@cis490/db';
import { Clock } from './clock';
import { JOBS_OPTIONS, JobsOptions } from './jobs.options';
import { JobFeed } from './job-feed';
import { BACK_TO_PENDING, type JobRow, toJobView } from './job-row';
import { LeasesRepository } from './leases.repository';
import { QueueRepository } from './queue.repository';
import { ReceiverInstance } from './receiver-instance';
import { retryWait } from './retry-policy';
import { WorkersRepository } from './workers.repository';

export interface SweepResult {
  requeued: number;
  failed: number;
  /** Workers forgotten: unseen for `FORGET_WORKERS_AFTER_DAYS`, or offline beyond the `MAX_WORKERS` kept. */
  forgotten?: number;
  /** Another receiver sharing the database holds the sweep's lease: this one swept nothing. */
  skipped?: true;
}

/** A worker holding no job and unseen this long is forgotten (its row goes; it comes back when it claims). */
export const FORGET_WORKERS_AFTER_DAYS = 7;
/** The most workers kept: beyond them, offline workers holding no job are forgotten, least recently seen first. */
export const MAX_WORKERS = 10_000;

/** The lease the sweep runs under when several receivers share a database. */
export const SWEEP_LEASE = 'stale-sweep';
/** How long a sweep's lease lasts unless the caller says (the scheduler: a few of its intervals). */
const DEFAULT_LEASE_S = 60;

/**
 * Takes jobs back from workers that went silent (SPEC §2 stale sweep). The
 * receiver's scheduler only calls `sweep()`; everything it decides is here.
 * With several receivers on one database (SPEC §11) one sweeps at a time,
 * under a lease it renews each sweep; were two ever to sweep together, each
 * job's update still matches only the state judged stale, so a job is taken
 * back once.
 */
@Injectable()
export class StaleSweepService {
  constructor(
    private readonly db: Db,
    private readonly repo: QueueRepository,
    private readonly feed: JobFeed,
    private readonly clock: Clock,
    private readonly leases: LeasesRepository,
    private readonly workers: WorkersRepository,
    private readonly instance: ReceiverInstance,
    @Inject(JOBS_OPTIONS) private readonly options: JobsOptions,
  ) {}

  /** `leaseS`: how long this receiver stays the sweeper without sweeping again. */
  async sweep(leaseS = DEFAULT_LEASE_S): Promise<SweepResult> {
    const now = this.clock.now();
    const until = new Date(now.getTime() + leaseS * 1000).toISOString();
    const mine = await this.db.write((sql) => this.leases.acquire(sql, SWEEP_LEASE, this.instance.id, now.toISOString(), until));
    if (!mine) return { requeued: 0, failed: 0, skipped: true };
    const cutoff = new Date(now.getTime() - this.options.staleAfterS * 1000).toISOString();
    const stale = await this.db.read((sql) => this.repo.findStale(sql, cutoff));
    const result: SweepResult = { requeued: 0, failed: 0 };
    for (const job of stale) {
      const outcome = await this.takeBack(job, now);
      if (outcome) result[outcome]++;
    }
    // Worker rows otherwise only grow: every new worker id a claim brings adds one.
    const seenBefore = new Date(now.getTime() - FORGET_WORKERS_AFTER_DAYS * 86_400_000).toISOString();
    const offlineBefore = new Date(now.getTime() - 3 * this.options.heartbeatIntervalS * 1000).toISOString();
    result.forgotten = await this.db.write((sql) => this.workers.forget(sql, seenBefore, MAX_WORKERS, offlineBefore));
    return result;
  }

  /**
   * One job, in its own transaction. The update only matches while the job
   * still has the status and heartbeat we judged stale, so a heartbeat that
   * lands in between wins and the job stays with its worker.
   */
  private async takeBack(job: JobRow, now: Date): Promise<'requeued' | 'failed' | null> {
    const at = now.toISOString();
    const silentS = Math.floor((now.getTime() - Date.parse(job.heartbeat_at as string)) / 1000);
    const error = `worker ${job.worker_id} went silent: no heartbeat for ${silentS} s (stale after ${this.options.staleAfterS} s)`;
    const exhausted = Number(job.attempts) >= Number(job.max_attempts);
    const patch: Partial<JobRow> = exhausted
      ? { status: 'failed', worker_id: null, finished_at: at, gpu_indices: '[]', error, exit_code: null, updated_at: at }
      : { ...BACK_TO_PENDING, error, exit_code: null, updated_at: at, ...retryWait(job, Number(job.attempts), now, job.worker_id) };
    const updated = await this.db.write(async (sql) => {
      const row = await this.repo.updateJob(sql, job.id, patch, {
        status: [job.status],
        heartbeat_at: job.heartbeat_at,
        ...(job.worker_id !== null && { worker_id: job.worker_id }),
      });
      if (!row) return null;
      const reason = exhausted ? `${error}; no attempts left (${job.attempts} of ${job.max_attempts})` : error;
      await this.repo.insertEvents(sql, [
        { job_id: job.id, at, from_status: job.status, to_status: row.status, worker_id: job.worker_id, reason },
      ]);
      return row;
    });
    if (!updated) return null;
    this.feed.transition(toJobView(updated));
    return exhausted ? 'failed' : 'requeued';
  }
}
