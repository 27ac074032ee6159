import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { PassThrough, type Readable } from 'node:stream';
import { filter, type Subscription } from 'rxjs';
import type {
  JobProgress,
  JobView,
  LogAppendRequest,
  LogAppendResponse,
  ProgressPoint,
  ProgressRequest,
  ProgressResponse,
} from '@cis490/contract';
import { Db, type Sql } from '@cis490/db';
import { Clock } from './clock';
import { AttemptNotFoundError, JobConflictError, JobNotFoundError, LogOffsetError } from './errors';
import { JobFeed } from './job-feed';
import { type JobRow, toJobView } from './job-row';
import { JOBS_OPTIONS, type JobsOptions } from './jobs.options';
import { LogStore } from './log-store';
import { strideFor, toProgressPoint } from './progress-points';
import { QueueRepository } from './queue.repository';
import { isHeldBy, notHeldMessage, QueueService } from './queue.service';
import { type ProgressRow, RunsRepository } from './runs.repository';
import { WorkersRepository } from './workers.repository';

/** A log follower also looks at the job this often, in case a change did not reach the feed. */
const FOLLOW_RECHECK_MS = 2_000;

const ACTIVE = new Set(['claimed', 'running']);

/** One attempt's log as it is now. */
export interface LogSlice {
  jobId: string;
  attempt: number;
  /** Bytes of the log now. */
  size: number;
  /** From the requested offset to `size`; null when there is nothing. */
  body: Readable | null;
}

/**
 * What a trainer tells while it runs (SPEC §9): the log of each attempt (a
 * file, appended by byte offset) and its progress points (rows, thinned
 * evenly past the cap). Workers write to their job's current attempt only;
 * anyone reads any attempt.
 */
@Injectable()
export class RunsService implements OnModuleDestroy {
  private readonly followers = new Set<PassThrough>();

  constructor(
    private readonly db: Db,
    private readonly queue: QueueService,
    private readonly jobs: QueueRepository,
    private readonly runs: RunsRepository,
    private readonly workers: WorkersRepository,
    private readonly logs: LogStore,
    private readonly feed: JobFeed,
    private readonly clock: Clock,
    @Inject(JOBS_OPTIONS) private readonly options: JobsOptions,
  ) {}

  /**
   * Appends to the current attempt's log what it does not have yet: a resend
   * after a lost answer adds nothing. Past the cap, text is dropped and the
   * answer says `truncated`.
   */
  async appendLog(idOrPrefix: string, req: LogAppendRequest): Promise<LogAppendResponse> {
    const job = await this.heldJob(idOrPrefix, req.worker_id);
    const attempt = Number(job.attempt);
    const result = await this.logs.append(job.id, attempt, req.offset, Buffer.from(req.text, 'utf8'));
    if (result.written < 0) throw new LogOffsetError(job.id, result.size, req.offset);
    const grown = await this.db.write(async (sql) => {
      await this.workers.touch(sql, req.worker_id, this.now());
      return result.written > 0 ? this.runs.recordLogSize(sql, job.id, attempt, result.size, result.truncated) : null;
    });
    if (grown) this.feed.publish({ kind: 'job', job: toJobView(grown), transition: false });
    return result.truncated ? { size: result.size, truncated: true } : { size: result.size };
  }

  /** Stores a batch of points for the current attempt, thinning evenly past the cap. */
  async postProgress(idOrPrefix: string, req: ProgressRequest): Promise<ProgressResponse> {
    const id = await this.queue.idFor(idOrPrefix);
    // Every point is checked before anything is stored: a bad batch stores nothing.
    const points = req.points.map((raw, i) => toProgressPoint(raw, i, this.now()));
    const outcome = await this.db.write(async (sql) => {
      await this.workers.touch(sql, req.worker_id, this.now());
      const job = await this.mustFind(sql, id, true);
      if (!isHeldBy(job, req.worker_id)) throw new JobConflictError(notHeldMessage(job, req.worker_id));
      const attempt = Number(job.attempt);
      const fresh = await this.newerThanStored(sql, job, points);
      if (fresh.length === 0) return { job: null, stored: 0 };
      const run = await this.runs.findOrMakeRun(sql, id, attempt);
      const seen = Number(run.points_seen);
      await this.runs.insertPoints(sql, fresh.map((p, i) => toProgressRow(id, attempt, seen + i, p)));
      const total = seen + fresh.length;
      const stride = strideFor(total, Number(run.points_stride), this.options.maxProgressPoints);
      await this.runs.thinPoints(sql, id, attempt, stride, total - 1);
      await this.runs.recordPointsSeen(sql, id, attempt, total, stride);
      const latest = JSON.stringify(fresh[fresh.length - 1]);
      return { job: await this.runs.recordProgress(sql, id, attempt, latest), stored: fresh.length };
    });
    if (outcome.job) this.feed.publish({ kind: 'job', job: toJobView(outcome.job), transition: false });
    return { stored: outcome.stored };
  }

  /**
   * The points of a batch that the attempt does not have yet. Points arrive
   * in time order, so one older than the newest stored point, or as old and
   * the same as one stored, is a resend of a batch whose answer was lost.
   */
  private async newerThanStored(sql: Sql, job: JobRow, points: ProgressPoint[]): Promise<ProgressPoint[]> {
    if (job.progress === null) return points;
    const newest: ProgressPoint = JSON.parse(job.progress);
    if (points.every((p) => p.at > newest.at)) return points;
    const sameTime = await this.runs.findPointsAt(sql, job.id, Number(job.attempt), newest.at);
    const stored = new Set(sameTime.map((row) => JSON.stringify(fromProgressRow(row))));
    return points.filter((p) => p.at > newest.at || (p.at === newest.at && !stored.has(JSON.stringify(p))));
  }

  async progress(idOrPrefix: string, attempt?: number): Promise<JobProgress> {
    const id = await this.queue.idFor(idOrPrefix);
    return this.db.read(async (sql) => {
      const job = await this.mustFind(sql, id, false);
      const n = this.attemptOf(job, attempt);
      const rows = await this.runs.findPoints(sql, id, n);
      return { attempt: n, points: rows.map(fromProgressRow) };
    });
  }

  /** An attempt's log (default: the latest) from byte `offset`, as it is now. */
  async readLog(idOrPrefix: string, attempt?: number, offset = 0): Promise<LogSlice> {
    const job = await this.findJob(idOrPrefix);
    const n = this.attemptOf(job, attempt);
    const size = await this.logs.size(job.id, n);
    return { jobId: job.id, attempt: n, size, body: await this.logs.read(job.id, n, offset, size) };
  }

  /**
   * An attempt's log from byte `offset`, then its new bytes as they arrive,
   * ending once the attempt has ended and everything it wrote was sent.
   */
  async followLog(idOrPrefix: string, attempt?: number, offset = 0): Promise<{ jobId: string; attempt: number; body: Readable }> {
    const job = await this.findJob(idOrPrefix);
    const n = this.attemptOf(job, attempt);
    const out = new PassThrough();
    this.followers.add(out);
    let position = offset;
    let ended = !attemptRunning(toJobView(job), n);
    let busy = false;
    let again = false;

    const pump = async (): Promise<void> => {
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      try {
        do {
          again = false;
          const finished = ended; // read before the bytes: whatever the attempt wrote before it ended is on disk
          const size = await this.logs.size(job.id, n);
          const body = await this.logs.read(job.id, n, position, size);
          if (body) {
            for await (const chunk of body) {
              if (out.destroyed) return;
              if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve).once('close', resolve));
            }
            position = size;
          }
          if (finished) {
            out.end();
            return;
          }
        } while (again);
      } catch (err) {
        out.destroy(err as Error);
      } finally {
        busy = false;
      }
    };
    const look = (view: JobView) => {
      if (!attemptRunning(view, n)) ended = true;
      void pump();
    };
    const subscription: Subscription = this.feed.changes
      .pipe(filter((c) => c.kind === 'job' && c.job.id === job.id))
      .subscribe((c) => c.kind === 'job' && look(c.job));
    const recheck = setInterval(() => {
      this.db
        .read((sql) => this.jobs.findJob(sql, job.id))
        .then((row) => row && look(toJobView(row)))
        .catch(() => undefined);
    }, FOLLOW_RECHECK_MS);
    out.once('close', () => {
      subscription.unsubscribe();
      clearInterval(recheck);
      this.followers.delete(out);
    });
    void pump();
    return { jobId: job.id, attempt: n, body: out };
  }

  /** Followers end with the receiver, or its HTTP server would wait for them forever. */
  onModuleDestroy(): void {
    for (const out of this.followers) out.end();
  }

  // ---- helpers ------------------------------------------------------------

  /** The job, if `workerId` holds it now; the worker counts as seen either way. */
  private async heldJob(idOrPrefix: string, workerId: string): Promise<JobRow> {
    try {
      const job = await this.findJob(idOrPrefix);
      if (!isHeldBy(job, workerId)) throw new JobConflictError(notHeldMessage(job, workerId));
      return job;
    } catch (err) {
      await this.db.write((sql) => this.workers.touch(sql, workerId, this.now())).catch(() => undefined);
      throw err;
    }
  }

  private async findJob(idOrPrefix: string): Promise<JobRow> {
    const id = await this.queue.idFor(idOrPrefix);
    return this.db.read((sql) => this.mustFind(sql, id, false));
  }

  private async mustFind(sql: Sql, id: string, forUpdate: boolean): Promise<JobRow> {
    const row = await this.jobs.findJob(sql, id, forUpdate);
    if (!row) throw new JobNotFoundError(id);
    return row;
  }

  /** `requested` if the job has that attempt, else the latest; a job never claimed has none. */
  private attemptOf(job: JobRow, requested?: number): number {
    const latest = Number(job.attempt);
    const n = requested ?? latest;
    if (n < 1 || n > latest) throw new AttemptNotFoundError(job.id, n, latest);
    return n;
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}

/** Whether attempt `n` of this job may still write to its log. */
const attemptRunning = (job: JobView, n: number) => job.attempt === n && ACTIVE.has(job.status);

function toProgressRow(jobId: string, attempt: number, ordinal: number, p: ProgressPoint): ProgressRow {
  return {
    job_id: jobId,
    attempt,
    ordinal,
    at: p.at,
    step: p.step,
    total: p.total,
    epoch: p.epoch,
    message: p.message,
    metric_values: JSON.stringify(p.values),
  };
}

function fromProgressRow(row: ProgressRow): ProgressPoint {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    at: row.at,
    step: num(row.step),
    total: num(row.total),
    epoch: num(row.epoch),
    message: row.message,
    values: JSON.parse(row.metric_values),
  };
}
