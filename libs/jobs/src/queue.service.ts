import { Inject, Injectable } from '@nestjs/common';
import { ArtifactStore } from '@cis490/artifacts';
import {
  type ClaimRequest,
  type ClaimResponse,
  type CompleteRequest,
  DEFAULT_PAGE_SIZE,
  type FailRequest,
  type FreeGpu,
  type HeartbeatRequest,
  type HeartbeatResponse,
  JOB_ID_PATTERN,
  type JobCounts,
  type JobDetail,
  type JobListQuery,
  type JobPage,
  type JobStatus,
  type JobView,
  keepTail,
  MAX_PAGE_SIZE,
  MIN_ID_PREFIX,
  type ReloadResult,
} from '@cis490/contract';
import { Db, type Sql, type WriteOptions } from '@cis490/db';
import { effectiveWorker, type JobSpec, type Manifest, ManifestService } from '@cis490/manifest';
import { Clock } from './clock';
import {
  AmbiguousJobIdError,
  ArtifactMissingError,
  InvalidCursorError,
  JobConflictError,
  JobNotFoundError,
} from './errors';
import { BACK_TO_PENDING, JobRow, jobRuns, NewJobEvent, toJobEvent, toJobInput, toJobView } from './job-row';
import { JobFeed } from './job-feed';
import { JOBS_OPTIONS, type JobsOptions } from './jobs.options';
import { pendingReason } from './pending-reason';
import { type JobSettingsRow, QueueRepository } from './queue.repository';
import { retriesExitCode, retryWait } from './retry-policy';
import { RunsRepository } from './runs.repository';
import { WorkersRepository } from './workers.repository';
import { workerRow, WorkersService } from './workers.service';

const MAX_AMBIGUOUS_SHOWN = 10;

/**
 * The GPUs a claimed job gets (SPEC §10): the smallest of the offered ones
 * that fit, by VRAM then index, so bigger GPUs stay free for bigger jobs.
 * The claim's SQL has made sure there are enough. Answered in index order.
 */
export function smallestThatFit(offered: readonly FreeGpu[], count: number, minVramGib: number): number[] {
  return offered
    .filter((gpu) => gpu.vram_gib >= minVramGib)
    .sort((a, b) => a.vram_gib - b.vram_gib || a.index - b.index)
    .slice(0, count)
    .map((gpu) => gpu.index)
    .sort((a, b) => a - b);
}
/** A reload that changes more jobs than this is told as one bulk change, not job by job. */
const RELOAD_CHANGES_TOLD_ONE_BY_ONE = 100;

const ACTIVE: readonly JobStatus[] = ['claimed', 'running'];
/**
 * Releases (a worker shutting down gives its job back) that do not count as
 * attempts. A lab restarts a worker now and then; a job released more often
 * than this is in a loop, and from then on each release uses an attempt.
 */
export const FREE_RELEASES = 10;
/** The advisory lock reloads take on PostgreSQL: any fixed number, the same for every receiver. */
const RELOAD_LOCK_KEY = 4_900_012;

/** A short form of a job id for messages; long enough to be a usable prefix. */
const short = (id: string) => `${id.slice(0, 12)}…`;

/** The first line of a worker's error, bounded, for an event's reason. */
const firstLine = (text: string) => {
  const line = text.split('\n', 1)[0].trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
};

export const isHeldBy = (row: JobRow, workerId: string) => ACTIVE.includes(row.status) && row.worker_id === workerId;

/** Why `workerId` may not act on this job, phrased for the worker's log. */
export function notHeldMessage(row: JobRow, workerId: string): string {
  if (ACTIVE.includes(row.status))
    return `job ${short(row.id)} is ${row.status} on worker ${row.worker_id}, not ${workerId}`;
  return `job ${short(row.id)} is ${row.status}, not claimed or running on worker ${workerId}`;
}

/**
 * The job lifecycle (SPEC §2 and §3): claim, heartbeat, complete, fail,
 * cancel, requeue, manifest reload, and the read side. Every transition
 * changes the row and records its event in one transaction.
 */
@Injectable()
export class QueueService {
  constructor(
    private readonly db: Db,
    private readonly repo: QueueRepository,
    private readonly workersRepo: WorkersRepository,
    private readonly runs: RunsRepository,
    private readonly workers: WorkersService,
    private readonly manifest: ManifestService,
    private readonly artifacts: ArtifactStore,
    private readonly feed: JobFeed,
    private readonly clock: Clock,
    @Inject(JOBS_OPTIONS) private readonly options: JobsOptions,
  ) {}

  /** A full id, or a unique prefix of at least 8 hex characters. */
  async resolveId(idOrPrefix: string): Promise<string> {
    const prefix = idOrPrefix.trim().toLowerCase();
    if (prefix.length < MIN_ID_PREFIX) {
      throw new JobNotFoundError(idOrPrefix, `an id prefix needs at least ${MIN_ID_PREFIX} hex characters`);
    }
    if (!/^[0-9a-f]+$/.test(prefix)) throw new JobNotFoundError(idOrPrefix, 'a job id is hexadecimal');
    const matches = await this.db.read((sql) => this.repo.findIdsByPrefix(sql, prefix, MAX_AMBIGUOUS_SHOWN + 1));
    if (matches.length === 0) throw new JobNotFoundError(idOrPrefix);
    if (matches.length > 1) throw new AmbiguousJobIdError(idOrPrefix, matches.slice(0, MAX_AMBIGUOUS_SHOWN));
    return matches[0];
  }

  /**
   * The first pending job this worker may take (SPEC §2), as its host policy
   * in the manifest allows, now claimed by it; null when none. The worker's
   * description is recorded in the same transaction, claim or not.
   */
  async claim(req: ClaimRequest): Promise<ClaimResponse | null> {
    const sighting = {
      hostname: req.hostname,
      capability: req.capability,
      allow_jobs: req.allow_jobs,
      deny_jobs: req.deny_jobs,
      slots: req.slots,
    };
    const worker = effectiveWorker({ ...sighting, free_gpus: req.free_gpus }, this.manifest.hostFor(req.hostname));
    // Without GPUs to hand out, the claim writes nothing besides its one statement (QueueRepository.claim):
    // where that statement also records the event and the sighting, it needs no transaction around it.
    const givesGpus = (worker.offered_gpus?.length ?? 0) > 0;
    const claimed = await this.db.write(async (sql) => {
      const now = this.now();
      const row = await this.repo.claim(sql, worker, workerRow(req.worker_id, sighting, now), now);
      if (!row) return null;
      const gpus = smallestThatFit(worker.offered_gpus ?? [], Number(row.gpus), Number(row.min_vram_gib));
      if (gpus.length > 0) await this.repo.updateJob(sql, row.id, { gpu_indices: JSON.stringify(gpus) });
      const dependencies = row.after_ids === '[]' ? [] : await this.repo.findJobs(sql, JSON.parse(row.after_ids));
      return { job: toJobView(row), gpus, inputs: dependencies.map(toJobInput) };
    }, { autocommit: !givesGpus });
    this.feed.publish({ kind: 'worker', worker_id: req.worker_id });
    if (!claimed) return null;
    this.feed.transition(claimed.job);
    return {
      ...claimed,
      heartbeat_interval_s: this.options.heartbeatIntervalS,
      stale_after_s: this.options.staleAfterS,
    };
  }

  /**
   * The worker's sign of life. The first one moves claimed → running. When the
   * job is no longer this worker's, answers `cancel: true` and changes nothing.
   */
  async heartbeat(idOrPrefix: string, req: HeartbeatRequest): Promise<HeartbeatResponse> {
    const { answer, started } = await this.asWorker(req.worker_id, idOrPrefix, async (sql, id, now) => {
      const row = await this.mustFind(sql, id);
      if (!isHeldBy(row, req.worker_id)) return { answer: { status: row.status, cancel: true } };
      const patch: Partial<JobRow> = { heartbeat_at: now, updated_at: now };
      if (req.log_tail !== undefined) patch.log_tail = keepTail(req.log_tail);
      if (row.status === 'claimed') Object.assign(patch, { status: 'running', started_at: now });
      const updated = await this.repo.updateJob(sql, id, patch, { status: [row.status], worker_id: req.worker_id });
      if (!updated) return { answer: { status: row.status, cancel: true } };
      const answer = { status: updated.status, cancel: false };
      if (row.status !== 'claimed') return { answer };
      await this.record(sql, updated, 'claimed', req.worker_id, `started on ${req.worker_id}`, now);
      return { answer, started: toJobView(updated) };
    });
    if (started) this.feed.transition(started);
    return answer;
  }

  /**
   * Claimed/running → completed with an uploaded artifact. Repeating the same
   * call after it succeeded answers the job unchanged, so a worker that lost
   * the first answer can safely retry. The job's other uploads (this run's
   * other bundles, an earlier run's result) are superseded in the same
   * transaction, and their files removed once it has committed.
   */
  async complete(idOrPrefix: string, req: CompleteRequest): Promise<JobView> {
    const sha = req.artifact_sha256.toLowerCase();
    // Durable: a completion lost to a power cut would train the model again.
    const { job, superseded } = await this.asWorker(req.worker_id, idOrPrefix, async (sql, id, now) => {
      const row = await this.mustFind(sql, id);
      if (row.status === 'completed' && row.artifact_sha256 === sha && row.worker_id === req.worker_id) {
        return { job: toJobView(row), superseded: [] };
      }
      if (row.status === 'completed') {
        throw new JobConflictError(`job ${short(id)} is already completed with artifact ${row.artifact_sha256}`);
      }
      if (!isHeldBy(row, req.worker_id)) throw new JobConflictError(notHeldMessage(row, req.worker_id));
      if (!(await this.artifacts.has(id, sha, sql))) throw new ArtifactMissingError(id, sha);
      const updated = await this.transition(
        sql,
        row,
        req.worker_id,
        {
          status: 'completed',
          finished_at: now,
          gpu_indices: '[]',
          artifact_sha256: sha,
          metrics: req.metrics === undefined ? null : JSON.stringify(req.metrics),
          // An earlier attempt's failure no longer describes the job; the events keep it.
          error: null,
          exit_code: null,
          updated_at: now,
        },
        `completed on ${req.worker_id} with artifact ${sha.slice(0, 12)}`,
        now,
      );
      return { job: toJobView(updated), superseded: await this.artifacts.supersede(sql, id, sha, now) };
    }, { durable: true });
    this.feed.transition(job);
    await this.artifacts.removeUnused(superseded);
    return job;
  }

  /**
   * Claimed/running → failed, or back to pending: always on `release` (the
   * worker is shutting down; the attempt does not count), and on a retryable
   * failure while attempts are left.
   */
  async fail(idOrPrefix: string, req: FailRequest): Promise<JobView> {
    return this.told(this.asWorker(req.worker_id, idOrPrefix, async (sql, id, now) => {
      const row = await this.mustFind(sql, id);
      if (!isHeldBy(row, req.worker_id)) throw new JobConflictError(notHeldMessage(row, req.worker_id));
      const attempts = Number(row.attempts);
      const maxAttempts = Number(row.max_attempts);
      const byExitCode = !req.retryable && retriesExitCode(row, req.exit_code);
      const retryable = req.retryable || byExitCode;
      const record: Partial<JobRow> = {
        error: req.error,
        exit_code: req.exit_code ?? null,
        ...(req.log_tail !== undefined && { log_tail: keepTail(req.log_tail) }),
        updated_at: now,
      };
      let patch: Partial<JobRow>;
      let reason: string;
      const releases = Number(row.releases) + (req.release ? 1 : 0);
      if (req.release && releases <= FREE_RELEASES) {
        patch = { ...BACK_TO_PENDING, ...record, attempts: Math.max(0, attempts - 1), releases };
        reason = `released by ${req.worker_id}, attempt not counted: ${firstLine(req.error)}`;
      } else if (req.release && attempts < maxAttempts) {
        patch = { ...BACK_TO_PENDING, ...record, releases };
        reason = `released by ${req.worker_id} (release ${releases}: past ${FREE_RELEASES}, it counts as attempt ${attempts} of ${maxAttempts}): ${firstLine(req.error)}`;
      } else if (req.release) {
        patch = { ...record, status: 'failed', worker_id: null, finished_at: now, gpu_indices: '[]', releases };
        reason = `released by ${req.worker_id} ${releases} times; no attempts left (${attempts} of ${maxAttempts}): ${firstLine(req.error)}`;
      } else if (retryable && attempts < maxAttempts) {
        const wait = retryWait(row, attempts, new Date(now), req.worker_id);
        patch = { ...BACK_TO_PENDING, ...record, ...wait };
        const when = wait.not_before ? `at ${wait.not_before}` : 'at once';
        const because = byExitCode ? ` (exit code ${req.exit_code} is in retry_on_exit_codes)` : '';
        reason = `failed on ${req.worker_id} (attempt ${attempts} of ${maxAttempts}), will retry ${when}${because}: ${firstLine(req.error)}`;
      } else {
        patch = { ...record, status: 'failed', worker_id: null, finished_at: now, gpu_indices: '[]' };
        const why = retryable
          ? `no attempts left (${attempts} of ${maxAttempts})`
          : `attempt ${attempts} of ${maxAttempts}`;
        reason = `failed on ${req.worker_id} (${why}): ${firstLine(req.error)}`;
      }
      return toJobView(await this.transition(sql, row, req.worker_id, patch, reason, now));
    }));
  }

  /** Operator: any state but completed → cancelled; cancelling a cancelled job changes nothing. */
  async cancel(idOrPrefix: string): Promise<JobView> {
    const id = await this.idFor(idOrPrefix);
    return this.told(this.db.write(async (sql) => {
      const now = this.now();
      const row = await this.mustFind(sql, id);
      if (row.status === 'cancelled') return toJobView(row);
      if (row.status === 'completed') {
        throw new JobConflictError(`job ${short(id)} is completed; a completed job cannot be cancelled`);
      }
      const updated = await this.transition(
        sql,
        row,
        row.worker_id,
        {
          status: 'cancelled',
          worker_id: null,
          finished_at: now,
          gpu_indices: '[]',
          updated_at: now,
        },
        row.worker_id ? `cancelled by operator while on ${row.worker_id}` : 'cancelled by operator',
        now,
      );
      return toJobView(updated);
    }));
  }

  /**
   * Operator: failed/cancelled (completed only with `force`) → pending with
   * attempts 0 and the last run's outcome cleared. A pending job is left as is.
   */
  async requeue(idOrPrefix: string, force = false): Promise<JobView> {
    const id = await this.idFor(idOrPrefix);
    return this.told(this.db.write(async (sql) => {
      const now = this.now();
      const row = await this.mustFind(sql, id);
      if (row.status === 'pending') return toJobView(row);
      if (ACTIVE.includes(row.status)) {
        throw new JobConflictError(`job ${short(id)} is ${row.status} on worker ${row.worker_id}; cancel it first`);
      }
      if (row.status === 'completed' && !force) {
        throw new JobConflictError(`job ${short(id)} is completed; requeue it with force: true`);
      }
      const updated = await this.transition(
        sql,
        row,
        null,
        {
          ...BACK_TO_PENDING,
          attempts: 0,
          releases: 0,
          error: null,
          exit_code: null,
          log_tail: null,
          artifact_sha256: null,
          metrics: null,
          updated_at: now,
        },
        force && row.status === 'completed' ? 'requeued by operator (forced)' : 'requeued by operator',
        now,
      );
      return toJobView(updated);
    }));
  }

  /** The job with its history and, while pending, why no online worker has taken it. */
  async get(idOrPrefix: string): Promise<JobDetail> {
    const id = await this.idFor(idOrPrefix);
    const [row, events, runs, dependencies] = await this.db.read(async (sql) => {
      const found = await this.mustFind(sql, id, false);
      const after = found.after_ids === '[]' ? [] : await this.repo.findJobs(sql, JSON.parse(found.after_ids));
      return [found, await this.repo.findEvents(sql, id), await this.runs.findRuns(sql, id), after] as const;
    });
    const job = toJobView(row, this.now());
    return {
      ...job,
      events: events.map(toJobEvent),
      pending_reason: job.status === 'pending' ? await this.pendingReasonOf(job, dependencies) : null,
      runs: jobRuns(job.attempt, events, runs),
    };
  }

  /** A page of jobs in manifest order, and the counts over all jobs. */
  async list(q: JobListQuery): Promise<JobPage> {
    const limit = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(q.limit ?? DEFAULT_PAGE_SIZE)));
    const after = q.cursor ? decodeCursor(q.cursor) : null;
    const filter = { status: q.status, model: q.model, mode: q.mode, worker_id: q.worker_id };
    return this.db.read(async (sql) => {
      const rows = await this.repo.listJobs(sql, filter, after, limit + 1);
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        jobs: page.map((row) => toJobView(row, this.now())),
        counts: await this.repo.countByStatus(sql),
        next_cursor: rows.length > limit ? encodeCursor(last) : null,
      };
    });
  }

  counts(): Promise<JobCounts> {
    return this.db.read((sql) => this.repo.countByStatus(sql));
  }

  /** The job, if `workerId` holds it now (claimed or running); an upload is allowed only then. */
  async assertUploader(idOrPrefix: string, workerId: string): Promise<JobView> {
    return this.asWorker(workerId, idOrPrefix, async (sql, id) => {
      const row = await this.mustFind(sql, id, false);
      if (!isHeldBy(row, workerId)) throw new JobConflictError(notHeldMessage(row, workerId));
      return toJobView(row);
    });
  }

  /**
   * The same check, in the transaction that records an upload (`ArtifactStore`'s
   * `admit`). The row stays locked until it commits (PostgreSQL): a completion
   * either comes first, and the upload is refused, or waits, and supersedes it.
   */
  async assertUploaderIn(sql: Sql, jobId: string, workerId: string): Promise<void> {
    const row = await this.mustFind(sql, jobId);
    if (!isHeldBy(row, workerId)) throw new JobConflictError(notHeldMessage(row, workerId));
  }

  /**
   * Applies a validated manifest in one transaction (SPEC §1 reload
   * semantics). Compares in memory and writes only what changed, so an
   * unchanged reload of a large manifest is one read. `andThen` writes in
   * the same transaction (the manifest state every receiver reads).
   */
  async reload(manifest: Manifest, andThen?: (sql: Sql) => Promise<void>): Promise<Omit<ReloadResult, 'warnings'>> {
    const changed: string[] = [];
    const result = await this.db.write(async (sql) => {
      // Receivers sharing a database reload one at a time, each comparing with what the last one wrote.
      const oneAtATime = this.db.dialect.serialize(RELOAD_LOCK_KEY);
      if (oneAtATime) await sql.rows(oneAtATime);
      changed.length = 0;
      const now = this.now();
      const known = new Map((await this.repo.findAllSettings(sql)).map((r) => [r.id, r]));
      let seq = await this.repo.maxSeq(sql);
      const inManifest = new Set<string>();
      const added: JobRow[] = [];
      const creations: NewJobEvent[] = [];
      let updated = 0;
      let unchanged = 0;
      for (const spec of manifest.jobs) {
        if (inManifest.has(spec.id)) continue;
        inManifest.add(spec.id);
        const settings = settingsOf(spec, manifest.names);
        const old = known.get(spec.id);
        if (!old) {
          added.push(newJobRow(spec, settings, ++seq, now));
          creations.push({
            job_id: spec.id,
            at: now,
            from_status: null,
            to_status: 'pending',
            worker_id: null,
            reason: 'added by manifest',
          });
          continue;
        }
        const patch = changedSettings(old, settings);
        // A shifted position is stored (it orders claims) but is not a change
        // to the job an operator made, so it alone does not count as updated.
        const edited = Object.keys(patch).some((k) => k !== 'manifest_order');
        if (edited) {
          updated++;
          changed.push(spec.id);
          patch.updated_at = now;
        } else {
          unchanged++;
        }
        if (Object.keys(patch).length > 0) await this.repo.updateJob(sql, spec.id, patch);
      }
      let orphaned = 0;
      for (const old of known.values()) {
        if (inManifest.has(old.id)) continue;
        orphaned++;
        if (Number(old.in_manifest) === 1) {
          await this.repo.updateJob(sql, old.id, { in_manifest: 0, updated_at: now });
          changed.push(old.id);
        }
      }
      await this.repo.insertJobs(sql, added);
      await this.repo.insertEvents(sql, creations);
      changed.push(...added.map((row) => row.id));
      await andThen?.(sql);
      return { added: added.length, updated, unchanged, orphaned, total: manifest.jobs.length };
    });
    await this.tellReload(changed);
    this.feed.publish({ kind: 'claimable', reason: 'manifest reloaded' });
    return result;
  }

  // ---- helpers ------------------------------------------------------------

  /** Tells the feed about a job a committed call answers with. */
  private async told(call: Promise<JobView>): Promise<JobView> {
    const job = await call;
    this.feed.transition(job);
    return job;
  }

  /** A reload's changes, job by job when few; as one bulk change when many. */
  private async tellReload(changed: string[]): Promise<void> {
    if (changed.length === 0) return;
    if (changed.length > RELOAD_CHANGES_TOLD_ONE_BY_ONE) {
      this.feed.publish({ kind: 'jobs', count: changed.length, reason: `manifest reloaded: ${changed.length} jobs changed` });
      return;
    }
    const rows = await this.db.read((sql) => this.repo.findJobs(sql, changed));
    for (const row of rows) this.feed.transition(toJobView(row));
  }

  /**
   * A worker's request about one job, as one transaction that also moves the
   * worker's `last_seen`. A refused request rolls that back with everything
   * else, so the sighting is then written on its own: a worker is seen on any
   * request (SPEC §3), and refusals are rare.
   */
  private async asWorker<T>(
    workerId: string,
    idOrPrefix: string,
    section: (sql: Sql, id: string, now: string) => Promise<T>,
    options: WriteOptions = {},
  ): Promise<T> {
    try {
      const id = await this.idFor(idOrPrefix);
      return await this.db.write(async (sql) => {
        const now = this.now();
        await this.workersRepo.touch(sql, workerId, now);
        return section(sql, id, now);
      }, options);
    } catch (err) {
      // The request's own error is the answer the worker needs; a failed sighting must not replace it.
      await this.workers.touch(workerId).catch(() => undefined);
      throw err;
    }
  }

  /**
   * The id a call about one job works on. A full id needs no lookup of its
   * own: the caller's read of the row answers 404 when there is no such job.
   */
  idFor(idOrPrefix: string): Promise<string> {
    const id = idOrPrefix.trim().toLowerCase();
    return JOB_ID_PATTERN.test(id) ? Promise.resolve(id) : this.resolveId(idOrPrefix);
  }

  /** Read inside each write section, so a change is stamped when it is made, not before a wait for the database. */
  private now(): string {
    return this.clock.now().toISOString();
  }

  /** The job, locked for the rest of the transaction when it is about to change (PostgreSQL). */
  private async mustFind(sql: Sql, id: string, forUpdate = true): Promise<JobRow> {
    const row = await this.repo.findJob(sql, id, forUpdate);
    if (!row) throw new JobNotFoundError(id);
    return row;
  }

  /**
   * Changes a job we just read in this transaction and records the event. The
   * update re-checks the status and worker it was decided on; a mismatch means
   * another receiver got there first (PostgreSQL), reported as a conflict.
   */
  private async transition(
    sql: Sql,
    row: JobRow,
    eventWorker: string | null,
    patch: Partial<JobRow>,
    reason: string,
    now: string,
  ): Promise<JobRow> {
    const expect =
      row.worker_id === null ? { status: [row.status] } : { status: [row.status], worker_id: row.worker_id };
    const updated = await this.repo.updateJob(sql, row.id, patch, expect);
    if (!updated) throw new JobConflictError(`job ${short(row.id)} changed while this request was handled; try again`);
    await this.record(sql, updated, row.status, eventWorker, reason, now);
    return updated;
  }

  private record(sql: Sql, job: JobRow, from: JobStatus, workerId: string | null, reason: string, at: string) {
    return this.repo.insertEvents(sql, [
      { job_id: job.id, at, from_status: from, to_status: job.status, worker_id: workerId, reason },
    ]);
  }

  private async pendingReasonOf(job: JobView, dependencies: JobRow[]): Promise<string> {
    const waiting = dependencyReason(job, dependencies);
    if (waiting) return waiting;
    if (job.not_before !== null) {
      return `retrying at ${job.not_before} after attempt ${job.attempts} failed: ${firstLine(job.error ?? 'no error given')}`;
    }
    const online = await this.workers.online();
    return pendingReason(
      job,
      online.map((w) => ({
        worker_id: w.worker_id,
        effective: effectiveWorker(
          { hostname: w.hostname, capability: w.capability, allow_jobs: w.allow_jobs, deny_jobs: w.deny_jobs },
          this.manifest.hostFor(w.hostname),
        ),
      })),
    );
  }
}

/**
 * Why a job waits for the jobs it runs after (SPEC §10): `blocked: …` when
 * one of them failed or was cancelled, else `waiting for NAME: k of n
 * completed` for the first name not done; null when all are completed.
 */
function dependencyReason(job: JobView, dependencies: JobRow[]): string | null {
  const ended = dependencies.find((d) => d.status === 'failed' || d.status === 'cancelled');
  if (ended) return `blocked: ${ended.name ?? ended.model} job ${short(ended.id)} ${ended.status}`;
  for (const name of job.after) {
    const covered = dependencies.filter((d) => d.name === name);
    const done = covered.filter((d) => d.status === 'completed').length;
    if (done < covered.length) return `waiting for ${name}: ${done} of ${covered.length} completed`;
  }
  return null;
}

type JobSettings = Omit<JobSettingsRow, 'id'>;

/** Settings as stored; `names` resolves `after` to the ids of the jobs each name covers. */
function settingsOf(spec: JobSpec, names: Manifest['names']): JobSettings {
  return {
    manifest_order: spec.manifest_order,
    require_cuda: spec.require_cuda ? 1 : 0,
    prefer_cuda: spec.prefer_cuda ? 1 : 0,
    min_vram_gib: spec.min_vram_gib,
    min_ram_gib: spec.min_ram_gib,
    allowed_hosts: JSON.stringify(spec.allowed_hosts),
    priority: spec.priority,
    max_attempts: spec.max_attempts,
    timeout_s: spec.timeout_s,
    gpus: spec.gpus,
    name: spec.name,
    after: JSON.stringify(spec.after),
    after_ids: JSON.stringify([...new Set(spec.after.flatMap((name) => names[name] ?? []))]),
    retry_on_exit_codes: JSON.stringify(spec.retry_on_exit_codes),
    retry_backoff_s: spec.retry_backoff_s,
    retry_backoff_max_s: spec.retry_backoff_max_s,
    in_manifest: 1,
  };
}

function changedSettings(old: JobSettingsRow, next: JobSettings): Partial<JobRow> {
  const patch: Partial<JobRow> = {};
  for (const [key, value] of Object.entries(next) as [keyof JobSettings, string | number | null][]) {
    const stored = old[key];
    const same = typeof value === 'number' ? Number(stored) === value : stored === value;
    if (!same) (patch as Record<string, unknown>)[key] = value;
  }
  return patch;
}

function newJobRow(spec: JobSpec, settings: JobSettings, seq: number, now: string): JobRow {
  return {
    id: spec.id,
    seq,
    model: spec.model,
    mode: spec.mode,
    hyper: JSON.stringify(spec.hyper),
    split_recipe: spec.split_recipe,
    train_hosts: JSON.stringify(spec.train_hosts),
    seed: spec.seed,
    ...settings,
    status: 'pending',
    attempts: 0,
    releases: 0,
    worker_id: null,
    claimed_at: null,
    heartbeat_at: null,
    started_at: null,
    finished_at: null,
    artifact_sha256: null,
    metrics: null,
    error: null,
    exit_code: null,
    log_tail: null,
    created_at: now,
    updated_at: now,
    attempt: 0,
    progress: null,
    log_size: 0,
    not_before: null,
    avoid_worker_id: null,
    avoid_until: null,
    gpu_indices: '[]',
  };
}

/** Cursors are opaque to clients: the keyset position of a page's last job. */
function encodeCursor(row: JobRow): string {
  return Buffer.from(JSON.stringify([Number(row.manifest_order), Number(row.seq)])).toString('base64url');
}

function decodeCursor(cursor: string): { manifest_order: number; seq: number } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && value.every(Number.isSafeInteger)) {
      return { manifest_order: value[0], seq: value[1] };
    }
  } catch {
    // fall through: not ours
  }
  throw new InvalidCursorError(cursor);
}
