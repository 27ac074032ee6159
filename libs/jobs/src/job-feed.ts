import { Injectable } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';
import type { JobView } from '@cis490/contract';

/**
 * What changed, told after it committed. The receiver's event stream and log
 * followers listen here; with several receivers (PostgreSQL) the other
 * receivers' changes would arrive through the same feed.
 */
export type FeedChange =
  /** A transition (`transition: true`), or a job's progress or log grew. */
  | { kind: 'job'; job: JobView; transition: boolean }
  /** Many jobs changed at once (a manifest reload): whoever shows them refetches. */
  | { kind: 'jobs'; count: number; reason: string }
  /** A job may have become claimable without changing itself: a reload (host policy included). */
  | { kind: 'claimable'; reason: string }
  /** A worker described itself (a claim); it may be new. */
  | { kind: 'worker'; worker_id: string };

@Injectable()
export class JobFeed {
  private readonly subject = new Subject<FeedChange>();
  readonly changes: Observable<FeedChange> = this.subject.asObservable();

  publish(change: FeedChange): void {
    this.subject.next(change);
  }

  transition(job: JobView): void {
    this.publish({ kind: 'job', job, transition: true });
  }
}
