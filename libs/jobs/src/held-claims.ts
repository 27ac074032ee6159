import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import type { ClaimRequest, ClaimResponse } from '@cis490/contract';
import { type FeedChange, JobFeed } from './job-feed';
import { JOBS_OPTIONS, type JobsOptions } from './jobs.options';
import { QueueService } from './queue.service';

/**
 * Whether a change may have made a job claimable for some worker: a job back
 * to pending, a reload, a completed job (another may run after it).
 */
const mayFreeAJob = (change: FeedChange) =>
  change.kind === 'claimable' ||
  change.kind === 'jobs' ||
  (change.kind === 'job' && (change.job.status === 'pending' || change.job.status === 'completed'));

/**
 * Long-poll claims (SPEC §10): a claim that finds nothing waits, costing no
 * polling, until a change may have made a job eligible, then tries again —
 * until it gets one, its time is up, its worker hangs up, or the receiver
 * shuts down (all three answer "nothing", a 204).
 */
@Injectable()
export class HeldClaims implements OnModuleDestroy {
  /** Counts the changes, so a claim that missed one while it tried knows to try again. */
  private generation = 0;
  private closed = false;
  private readonly sleepers = new Set<() => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly subscription: Subscription;

  constructor(
    private readonly queue: QueueService,
    feed: JobFeed,
    @Inject(JOBS_OPTIONS) private readonly options: JobsOptions,
  ) {
    this.subscription = feed.changes.subscribe((change) => {
      if (!mayFreeAJob(change)) return;
      this.changed();
      // A retry waiting out its backoff becomes claimable with no change of its own.
      if (change.kind === 'job' && change.job.not_before) this.changedAt(Date.parse(change.job.not_before));
    });
  }

  /** How many claims are held now. */
  get held(): number {
    return this.sleepers.size;
  }

  /**
   * Held no longer than the heartbeat interval, so a worker waiting here is
   * seen often enough to stay online. `gone` aborts when the worker is no
   * longer there to be answered: it must not be handed a job then.
   */
  async claim(req: ClaimRequest, waitS: number, gone?: AbortSignal): Promise<ClaimResponse | null> {
    const deadline = Date.now() + Math.min(waitS, this.options.heartbeatIntervalS) * 1000;
    for (;;) {
      if (this.closed || gone?.aborted) return null;
      const seen = this.generation;
      const answer = await this.queue.claim(req);
      if (answer) return answer;
      const left = deadline - Date.now();
      if (left <= 0) return null;
      if (this.generation === seen) await this.sleep(left, gone);
    }
  }

  onModuleDestroy(): void {
    this.closed = true;
    this.subscription.unsubscribe();
    for (const timer of this.timers) clearTimeout(timer);
    this.wakeAll();
  }

  private changed(): void {
    this.generation++;
    this.wakeAll();
  }

  private changedAt(ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.changed();
    }, Math.max(0, ms - Date.now()));
    timer.unref();
    this.timers.add(timer);
  }

  /** Until the next change, `ms`, the worker leaving or the shutdown, whichever is first. */
  private sleep(ms: number, gone?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        gone?.removeEventListener('abort', wake);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      gone?.addEventListener('abort', wake, { once: true });
      this.sleepers.add(wake);
    });
  }

  private wakeAll(): void {
    for (const wake of [...this.sleepers]) wake();
  }
}
