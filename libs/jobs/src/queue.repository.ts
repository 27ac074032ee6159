import { Injectable } from '@nestjs/common';
import { Db, insertRows, placeholders, type Sql, type SqlDialect } from '@cis490/db';
import { type FreeGpu, JOB_STATUSES, type JobCounts, type JobStatus } from '@cis490/contract';
import type { EffectiveWorker } from '@cis490/manifest';
import type { JobEventRow, JobRow, NewJobEvent } from './job-row';
import { upsertWorker, type WorkerRow } from './workers.repository';

/** Conditions an update re-checks, so it changes nothing when the job moved meanwhile. */
export interface JobExpectation {
  status?: readonly JobStatus[];
  worker_id?: string;
  heartbeat_at?: string | null;
}

export interface JobFilter {
  status?: JobStatus;
  model?: string;
  mode?: string;
  worker_id?: string;
}

/** The part of a job that a manifest reload compares and may rewrite. */
export type JobSettingsRow = Pick<
  JobRow,
  | 'id'
  | 'manifest_order'
  | 'require_cuda'
  | 'prefer_cuda'
  | 'min_vram_gib'
  | 'min_ram_gib'
  | 'allowed_hosts'
  | 'priority'
  | 'max_attempts'
  | 'timeout_s'
  | 'gpus'
  | 'name'
  | 'after'
  | 'after_ids'
  | 'retry_on_exit_codes'
  | 'retry_backoff_s'
  | 'retry_backoff_max_s'
  | 'in_manifest'
>;

/**
 * The claim's event, from the claimed row in `source`; `$1` is the worker,
 * `$2` the time. One text for either way the claim records it.
 */
const recordClaim = (source: string) =>
  `INSERT INTO job_events (job_id, at, from_status, to_status, worker_id, reason)
   SELECT id, $2, 'pending', status, $1, 'claimed by ' || $1 || ' (attempt ' || attempts || ' of ' || max_attempts || ')'
     FROM ${source}`;

/** New jobs at once that make the table's statistics worth refreshing. */
const BULK_INSERT = 100;

/**
 * SPEC §10: `gpus` of the offered GPUs each have at least `min_vram_gib`. One
 * term per distinct VRAM size counts the GPUs of that size that fit, so the
 * claim stays a single statement; offering none leaves only `gpus = 0` jobs.
 */
function enoughGpus(offered: readonly FreeGpu[], params: unknown[]): string {
  const sizes = new Map<number, number>();
  for (const gpu of offered) sizes.set(gpu.vram_gib, (sizes.get(gpu.vram_gib) ?? 0) + 1);
  const terms = [...sizes].map(([vram, count]) => {
    params.push(vram);
    return `CASE WHEN min_vram_gib <= $${params.length} THEN ${count} ELSE 0 END`;
  });
  return `gpus <= ${terms.length === 0 ? '0' : `(${terms.join(' + ')})`}`;
}

/**
 * The SQL of jobs and their events. The statements that decide who gets what
 * — the claim and the sweep's conditional update — are single statements
 * here, so their atomicity does not depend on the code around them.
 */
@Injectable()
export class QueueRepository {
  private readonly dialect: SqlDialect;

  constructor(db: Db) {
    this.dialect = db.dialect;
  }

  // ---- jobs: reads --------------------------------------------------------

  /** Ids that start with a lowercase hex prefix; a range on the primary key, so it stays indexed. */
  async findIdsByPrefix(sql: Sql, prefix: string, limit: number): Promise<string[]> {
    const rows = await sql.rows<{ id: string }>(`SELECT id FROM jobs WHERE id >= $1 AND id < $2 ORDER BY id LIMIT $3`, [
      prefix,
      `${prefix}g`,
      limit,
    ]);
    return rows.map((r) => r.id);
  }

  async findJob(sql: Sql, id: string, forUpdate = false): Promise<JobRow | null> {
    const rows = await sql.rows<JobRow>(`SELECT * FROM jobs WHERE id = $1${forUpdate ? this.dialect.forUpdate : ''}`, [
      id,
    ]);
    return rows[0] ?? null;
  }

  async findJobs(sql: Sql, ids: readonly string[]): Promise<JobRow[]> {
    if (ids.length === 0) return [];
    return sql.rows<JobRow>(`SELECT * FROM jobs WHERE id IN (${placeholders(1, ids.length)}) ORDER BY manifest_order, seq`, [
      ...ids,
    ]);
  }

  async findEvents(sql: Sql, jobId: string): Promise<JobEventRow[]> {
    return sql.rows<JobEventRow>(`SELECT * FROM job_events WHERE job_id = $1 ORDER BY id`, [jobId]);
  }

  /** One page in manifest order, after the keyset position `after`. */
  async listJobs(
    sql: Sql,
    filter: JobFilter,
    after: { manifest_order: number; seq: number } | null,
    limit: number,
  ): Promise<JobRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const key of ['status', 'model', 'mode', 'worker_id'] as const) {
      const value = filter[key];
      if (value !== undefined) {
        params.push(value);
        where.push(`${key} = $${params.length}`);
      }
    }
    if (after) {
      params.push(after.manifest_order, after.seq);
      where.push(`(manifest_order, seq) > ($${params.length - 1}, $${params.length})`);
    }
    params.push(limit);
    return sql.rows<JobRow>(
      `SELECT * FROM jobs${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
       ORDER BY manifest_order, seq LIMIT $${params.length}`,
      params,
    );
  }

  async countByStatus(sql: Sql): Promise<JobCounts> {
    const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as JobCounts;
    const rows = await sql.rows<{ status: JobStatus; n: number | string }>(
      `SELECT status, COUNT(*) AS n FROM jobs GROUP BY status`,
    );
    for (const row of rows) counts[row.status] = Number(row.n);
    return counts;
  }

  /** One model's completed jobs (of one mode, when given), in manifest order. */
  async findCompleted(sql: Sql, model: string, mode?: string): Promise<JobRow[]> {
    return sql.rows<JobRow>(
      `SELECT * FROM jobs WHERE model = $1 AND status = 'completed'${mode === undefined ? '' : ' AND mode = $2'}
       ORDER BY manifest_order, seq`,
      mode === undefined ? [model] : [model, mode],
    );
  }

  /** Claimed/running jobs whose last heartbeat is older than `cutoff`. */
  async findStale(sql: Sql, cutoff: string): Promise<JobRow[]> {
    return sql.rows<JobRow>(
      `SELECT * FROM jobs WHERE status IN ('claimed', 'running') AND heartbeat_at < $1 ORDER BY heartbeat_at, seq`,
      [cutoff],
    );
  }

  /** Ids of the jobs each worker holds now, with the GPUs each holds. */
  async findActiveJobs(sql: Sql): Promise<{ id: string; worker_id: string; gpu_indices: string }[]> {
    return sql.rows<{ id: string; worker_id: string; gpu_indices: string }>(
      `SELECT id, worker_id, gpu_indices FROM jobs WHERE status IN ('claimed', 'running') AND worker_id IS NOT NULL
       ORDER BY manifest_order, seq`,
    );
  }

  async findAllSettings(sql: Sql): Promise<JobSettingsRow[]> {
    return sql.rows<JobSettingsRow>(
      `SELECT id, manifest_order, require_cuda, prefer_cuda, min_vram_gib, min_ram_gib, allowed_hosts,
              priority, max_attempts, timeout_s, gpus, name, after, after_ids, retry_on_exit_codes, retry_backoff_s,
              retry_backoff_max_s, in_manifest
       FROM jobs`,
    );
  }

  async maxSeq(sql: Sql): Promise<number> {
    const rows = await sql.rows<{ m: number | string | null }>(`SELECT MAX(seq) AS m FROM jobs`);
    return Number(rows[0]?.m ?? 0);
  }

  // ---- jobs: writes -------------------------------------------------------

  /**
   * The claim: one statement picks the first pending job this worker may take
   * and marks it claimed. The inner SELECT applies SPEC §2 eligibility exactly
   * as `ineligibility()` does, and orders by priority, then prefer_cuda
   * (first for CUDA workers, last for CPU workers), then manifest order, then
   * seq. The outer `status = 'pending'` makes a lost race claim nothing.
   * The claim's event and the worker's sighting are recorded here too, claim
   * or not: where the database allows (a writable WITH), in the same
   * statement, so a claim needs no transaction around it. Which of the
   * offered GPUs the job gets is the caller's choice, stored with
   * `updateJob` in the same transaction.
   */
  async claim(sql: Sql, worker: EffectiveWorker, sighting: WorkerRow, now: string): Promise<JobRow | null> {
    const sight = () => {
      const seen = upsertWorker(sighting, 1);
      return sql.run(seen.text, seen.params);
    };
    if (worker.allow !== null && worker.allow.length === 0) {
      // Allowed no model at all: nothing to claim, only the sighting to record.
      await sight();
      return null;
    }
    const workerId = sighting.worker_id;
    const params: unknown[] = [workerId, now, worker.vram_gib, worker.ram_gib, worker.hostname];
    const where = [
      `status = 'pending'`,
      // A retry waits out its backoff, and the worker whose attempt failed stays off it twice as long.
      `(not_before IS NULL OR not_before <= $2)`,
      `(avoid_worker_id IS NULL OR avoid_worker_id <> $1 OR avoid_until <= $2)`,
      // A pipeline's job waits until every job it runs after is completed.
      `(after_ids = '[]' OR NOT EXISTS (
         SELECT 1 FROM ${this.dialect.jsonArrayValues('jobs.after_ids', 'dep_id')}
         JOIN jobs dep ON dep.id = dep_id.value WHERE dep.status <> 'completed'))`,
      ...(worker.cuda ? [] : [`require_cuda = 0`]),
      `min_vram_gib <= $3`,
      `min_ram_gib <= $4`,
      `(allowed_hosts = '[]' OR ${this.dialect.jsonArrayHas('allowed_hosts', '$5')})`,
    ];
    if (worker.offered_gpus !== null) where.push(enoughGpus(worker.offered_gpus, params));
    if (worker.allow !== null) {
      where.push(`model IN (${placeholders(params.length + 1, worker.allow.length)})`);
      params.push(...worker.allow);
    }
    if (worker.deny.length > 0) {
      where.push(`model NOT IN (${placeholders(params.length + 1, worker.deny.length)})`);
      params.push(...worker.deny);
    }
    // Each kind of worker walks the partial index already sorted its way (see the migration).
    const preferCuda = worker.cuda ? 'prefer_cuda DESC' : 'prefer_cuda';
    const index = worker.cuda ? 'idx_jobs_claim_cuda' : 'idx_jobs_claim_cpu';
    const claim = `UPDATE jobs
         SET status = 'claimed', attempts = attempts + 1, attempt = attempt + 1, progress = NULL, log_size = 0,
             not_before = NULL, avoid_worker_id = NULL, avoid_until = NULL, gpu_indices = '[]', worker_id = $1,
             claimed_at = $2, heartbeat_at = $2, started_at = NULL, finished_at = NULL, updated_at = $2
       WHERE seq = (
           SELECT seq FROM jobs${this.dialect.claimIndexHint(index)}
            WHERE ${where.join('\n              AND ')}
            ORDER BY priority DESC, ${preferCuda}, manifest_order, seq
            LIMIT 1${this.dialect.skipLocked}
         )
         AND status = 'pending'
       RETURNING *`;
    if (this.dialect.writableWith) {
      const seen = upsertWorker(sighting, params.length + 1);
      const rows = await sql.rows<JobRow>(
        `WITH seen AS (${seen.text}), claimed AS (${claim}), recorded AS (${recordClaim('claimed')}) SELECT * FROM claimed`,
        [...params, ...seen.params],
      );
      return rows[0] ?? null;
    }
    const [, [row]] = await Promise.all([sight(), sql.rows<JobRow>(claim, params)]);
    if (row) await sql.run(recordClaim('jobs WHERE seq = $3'), [workerId, now, row.seq]);
    return row ?? null;
  }

  /**
   * Applies `patch` to one job if it still matches `expect`; answers the
   * updated row, or null when the job changed under us (or does not exist).
   */
  async updateJob(sql: Sql, id: string, patch: Partial<JobRow>, expect: JobExpectation = {}): Promise<JobRow | null> {
    const params: unknown[] = [];
    const sets = Object.entries(patch).map(([column, value]) => {
      params.push(value);
      return `${column} = $${params.length}`;
    });
    params.push(id);
    const where = [`id = $${params.length}`];
    if (expect.status) {
      where.push(`status IN (${placeholders(params.length + 1, expect.status.length)})`);
      params.push(...expect.status);
    }
    if (expect.worker_id !== undefined) {
      params.push(expect.worker_id);
      where.push(`worker_id = $${params.length}`);
    }
    if (expect.heartbeat_at !== undefined) {
      if (expect.heartbeat_at === null) where.push(`heartbeat_at IS NULL`);
      else {
        params.push(expect.heartbeat_at);
        where.push(`heartbeat_at = $${params.length}`);
      }
    }
    const rows = await sql.rows<JobRow>(
      `UPDATE jobs SET ${sets.join(', ')} WHERE ${where.join(' AND ')} RETURNING *`,
      params,
    );
    return rows[0] ?? null;
  }

  /**
   * Multi-row inserts, batched under the bound-parameter limit. Many new jobs
   * at once refresh the planner's statistics in the same transaction, so the
   * first claims after a large reload walk the claim index (SqlDialect).
   */
  async insertJobs(sql: Sql, rows: JobRow[]): Promise<void> {
    if (rows.length === 0) return;
    await insertRows(sql, 'jobs', Object.keys(rows[0]) as (keyof JobRow)[], rows);
    const refresh = this.dialect.refreshStatistics('jobs');
    if (refresh !== null && rows.length >= BULK_INSERT) await sql.run(refresh);
  }

  async insertEvents(sql: Sql, events: NewJobEvent[]): Promise<void> {
    const columns = ['job_id', 'at', 'from_status', 'to_status', 'worker_id', 'reason'] as const;
    await insertRows(sql, 'job_events', columns, events);
  }
}
