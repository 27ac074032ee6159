import { Injectable } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';
import type { JobView } from '@cis490/contract';

/**
 * What changed, told after it committed. The receiver's event stream and log
 * followers listen here; with several receivers (PostgreSQL) the other
 * receivers' changes arrive through the same feed (`FeedRelay`).
 */
export type FeedChange =
  /** A transition (`transition: true`), or a job's progress or log grew. */
  | { kind: 'job'; job: JobView; transition: boolean }
  /** Many jobs changed at once (a manifest reload): whoever shows them refetches. */
  | { kind: 'jobs'; count: number; reason: string }
  /** A job may have become claimable without changing itself: a reload (host policy included). */
  | { kind: 'claimable'; reason: string }
  /** The manifest in force changed (a reload, or a failed one): `version` of its state in the database. */
  | { kind: 'manifest'; version: number }
  /** A worker described itself (a claim); it may be new. */
  | { kind: 'worker'; worker_id: string };

@Injectable()
export class JobFeed {
  private readonly subject = new Subject<FeedChange>();
  private readonly ours = new Subject<FeedChange>();
  /** Every change: this receiver's and, with several receivers, the others'. */
  readonly changes: Observable<FeedChange> = this.subject.asObservable();
  /** Only the changes made through this receiver: what it tells the others. */
  readonly local: Observable<FeedChange> = this.ours.asObservable();

  publish(change: FeedChange): void {
    this.ours.next(change);
    this.subject.next(change);
  }

  /** A change another receiver made, heard through the database. */
  publishRemote(change: FeedChange): void {
    this.subject.next(change);
  }

  transition(job: JobView): void {
    this.publish({ kind: 'job', job, transition: true });
  }
}
