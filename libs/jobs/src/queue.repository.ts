import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Database } from 'better-sqlite3';
import type { DataSource, QueryRunner } from 'typeorm';
import type { EffectiveWorker } from '@cis490/manifest';
import { JOB_COLUMNS, JobEventRow, JobRow, NewJobEvent } from './job-row';
import { JOB_STATUSES, JobCounts, JobStatus } from '@cis490/contract';
import { bind, dialectOf, SqlDialect } from './sql-dialect';
import { SqliteSections } from './sqlite-sections';
import { SqliteStatements } from './sqlite-statements';

/** A connection for the duration of one `read()` or `write()`. */
export interface Db {
  rows<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement; answers the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

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
  | 'in_manifest'
>;

export interface WorkerRow {
  worker_id: string;
  hostname: string;
  capability: string;
  allow_jobs: string | null;
  deny_jobs: string | null;
  first_seen: string;
  last_seen: string;
}

const KNOWN_COLUMNS = new Set<string>(JOB_COLUMNS);

/** Stays well under SQLite's 32,766 bound parameters per statement. */
const INSERT_BATCH_PARAMS = 16_000;

const placeholders = (from: number, count: number): string =>
  Array.from({ length: count }, (_, i) => `$${from + i}`).join(', ');

/**
 * All of the queue's SQL. The statements that decide who gets what — the
 * claim and the sweep's conditional update — are single statements here, so
 * their atomicity does not depend on the code around them.
 */
@Injectable()
export class QueueRepository {
  readonly dialect: SqlDialect;
  /**
   * On SQLite the queue's statements run straight on better-sqlite3's single
   * connection, where a transaction is nothing but BEGIN … COMMIT on that
   * connection. Sections are async functions: two running at once would
   * interleave their statements there — one's BEGIN inside the other's
   * transaction, a read seeing another caller's uncommitted rows. So on
   * SQLite every read and write section runs one at a time
   * (`SqliteSections`), and writes that queue up together commit together.
   * The sections are short; SQLite serializes writers anyway. PostgreSQL goes
   * through TypeORM's pool, one connection per section, and needs no queue.
   */
  private sqlite?: SqliteSections;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.dialect = dialectOf(dataSource);
  }

  /** Reads outside a transaction (each statement sees committed data). */
  read<T>(section: (db: Db) => Promise<T>): Promise<T> {
    if (this.dialect.singleConnection) return this.sqliteSections().read(section);
    const runner = this.dataSource.createQueryRunner();
    return section(this.bindRunner(runner)).finally(() => runner.release());
  }

  /** One transaction: everything in `section` commits together or not at all. */
  write<T>(section: (db: Db) => Promise<T>): Promise<T> {
    if (this.dialect.singleConnection) return this.sqliteSections().write(section);
    return this.dataSource.transaction((manager) => section(this.bindRunner(manager.queryRunner as QueryRunner)));
  }

  /** Made on first use: the connection exists once TypeORM has initialized (and migrated) the database. */
  private sqliteSections(): SqliteSections {
    const { databaseConnection } = this.dataSource.driver as unknown as { databaseConnection: Database };
    this.sqlite ??= new SqliteSections(new SqliteStatements(databaseConnection, this.dialect, this.dataSource.logger));
    return this.sqlite;
  }

  private bindRunner(runner: QueryRunner): Db {
    const exec = async (sql: string, params: readonly unknown[]) => {
      const [text, bound] = bind(this.dialect, sql, params);
      return runner.query(text, bound, true);
    };
    return {
      rows: async (sql, params = []) => (await exec(sql, params)).records,
      run: async (sql, params = []) => (await exec(sql, params)).affected ?? 0,
    };
  }

  // ---- jobs: reads --------------------------------------------------------

  /** Ids that start with a lowercase hex prefix; a range on the primary key, so it stays indexed. */
  async findIdsByPrefix(db: Db, prefix: string, limit: number): Promise<string[]> {
    const rows = await db.rows<{ id: string }>(`SELECT id FROM jobs WHERE id >= $1 AND id < $2 ORDER BY id LIMIT $3`, [
      prefix,
      `${prefix}g`,
      limit,
    ]);
    return rows.map((r) => r.id);
  }

  async findJob(db: Db, id: string, forUpdate = false): Promise<JobRow | null> {
    const rows = await db.rows<JobRow>(`SELECT * FROM jobs WHERE id = $1${forUpdate ? this.dialect.forUpdate : ''}`, [
      id,
    ]);
    return rows[0] ?? null;
  }

  async findEvents(db: Db, jobId: string): Promise<JobEventRow[]> {
    return db.rows<JobEventRow>(`SELECT * FROM job_events WHERE job_id = $1 ORDER BY id`, [jobId]);
  }

  /** One page in manifest order, after the keyset position `after`. */
  async listJobs(
    db: Db,
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
    return db.rows<JobRow>(
      `SELECT * FROM jobs${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
       ORDER BY manifest_order, seq LIMIT $${params.length}`,
      params,
    );
  }

  async countByStatus(db: Db): Promise<JobCounts> {
    const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as JobCounts;
    const rows = await db.rows<{ status: JobStatus; n: number | string }>(
      `SELECT status, COUNT(*) AS n FROM jobs GROUP BY status`,
    );
    for (const row of rows) counts[row.status] = Number(row.n);
    return counts;
  }

  /** Claimed/running jobs whose last heartbeat is older than `cutoff`. */
  async findStale(db: Db, cutoff: string): Promise<JobRow[]> {
    return db.rows<JobRow>(
      `SELECT * FROM jobs WHERE status IN ('claimed', 'running') AND heartbeat_at < $1 ORDER BY heartbeat_at, seq`,
      [cutoff],
    );
  }

  /** Ids of the jobs each worker holds now. */
  async findActiveJobs(db: Db): Promise<{ id: string; worker_id: string }[]> {
    return db.rows<{ id: string; worker_id: string }>(
      `SELECT id, worker_id FROM jobs WHERE status IN ('claimed', 'running') AND worker_id IS NOT NULL
       ORDER BY manifest_order, seq`,
    );
  }

  async findAllSettings(db: Db): Promise<JobSettingsRow[]> {
    return db.rows<JobSettingsRow>(
      `SELECT id, manifest_order, require_cuda, prefer_cuda, min_vram_gib, min_ram_gib, allowed_hosts,
              priority, max_attempts, timeout_s, in_manifest
       FROM jobs`,
    );
  }

  async maxSeq(db: Db): Promise<number> {
    const rows = await db.rows<{ m: number | string | null }>(`SELECT MAX(seq) AS m FROM jobs`);
    return Number(rows[0]?.m ?? 0);
  }

  // ---- jobs: writes -------------------------------------------------------

  /**
   * The claim: one statement picks the first pending job this worker may take
   * and marks it claimed. The inner SELECT applies SPEC §2 eligibility exactly
   * as `ineligibility()` does, and orders by priority, then prefer_cuda
   * (first for CUDA workers, last for CPU workers), then manifest order, then
   * seq. The outer `status = 'pending'` makes a lost race claim nothing.
   */
  async claim(db: Db, worker: EffectiveWorker, workerId: string, now: string): Promise<JobRow | null> {
    const params: unknown[] = [workerId, now, worker.vram_gib, worker.ram_gib, worker.hostname];
    const where = [
      `status = 'pending'`,
      ...(worker.cuda ? [] : [`require_cuda = 0`, `min_vram_gib <= 0`]),
      `min_vram_gib <= $3`,
      `min_ram_gib <= $4`,
      `(allowed_hosts = '[]' OR ${this.dialect.jsonArrayHas('allowed_hosts', '$5')})`,
    ];
    if (worker.allow !== null) {
      if (worker.allow.length === 0) return null;
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
    const rows = await db.rows<JobRow>(
      `UPDATE jobs
         SET status = 'claimed', attempts = attempts + 1, worker_id = $1,
             claimed_at = $2, heartbeat_at = $2, started_at = NULL, finished_at = NULL, updated_at = $2
       WHERE seq = (
           SELECT seq FROM jobs${this.dialect.claimIndexHint(index)}
            WHERE ${where.join('\n              AND ')}
            ORDER BY priority DESC, ${preferCuda}, manifest_order, seq
            LIMIT 1${this.dialect.skipLocked}
         )
         AND status = 'pending'
       RETURNING *`,
      params,
    );
    return rows[0] ?? null;
  }

  /**
   * Applies `patch` to one job if it still matches `expect`; answers the
   * updated row, or null when the job changed under us (or does not exist).
   */
  async updateJob(db: Db, id: string, patch: Partial<JobRow>, expect: JobExpectation = {}): Promise<JobRow | null> {
    const params: unknown[] = [];
    const sets = Object.entries(patch).map(([column, value]) => {
      if (!KNOWN_COLUMNS.has(column) || column === 'id') throw new Error(`not a writable job column: ${column}`);
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
    const rows = await db.rows<JobRow>(
      `UPDATE jobs SET ${sets.join(', ')} WHERE ${where.join(' AND ')} RETURNING *`,
      params,
    );
    return rows[0] ?? null;
  }

  /** Multi-row inserts, batched under the bound-parameter limit. */
  async insertJobs(db: Db, rows: JobRow[]): Promise<void> {
    await this.insertMany(db, 'jobs', JOB_COLUMNS, rows);
  }

  async insertEvents(db: Db, events: NewJobEvent[]): Promise<void> {
    const columns = ['job_id', 'at', 'from_status', 'to_status', 'worker_id', 'reason'] as const;
    await this.insertMany(db, 'job_events', columns, events);
  }

  private async insertMany<R, K extends keyof R & string>(
    db: Db,
    table: string,
    columns: readonly K[],
    rows: readonly R[],
  ): Promise<void> {
    const perBatch = Math.max(1, Math.floor(INSERT_BATCH_PARAMS / columns.length));
    for (let start = 0; start < rows.length; start += perBatch) {
      const batch = rows.slice(start, start + perBatch);
      const params: unknown[] = [];
      const values = batch.map((row) => {
        const first = params.length + 1;
        for (const c of columns) params.push(row[c]);
        return `(${placeholders(first, columns.length)})`;
      });
      await db.run(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values.join(', ')}`, params);
    }
  }

  // ---- workers ------------------------------------------------------------

  /** Records what a worker told us about itself and when. */
  async upsertWorker(db: Db, row: WorkerRow): Promise<void> {
    await db.run(
      `INSERT INTO workers (worker_id, hostname, capability, allow_jobs, deny_jobs, first_seen, last_seen)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (worker_id) DO UPDATE SET
         hostname = excluded.hostname, capability = excluded.capability,
         allow_jobs = excluded.allow_jobs, deny_jobs = excluded.deny_jobs, last_seen = excluded.last_seen`,
      [row.worker_id, row.hostname, row.capability, row.allow_jobs, row.deny_jobs, row.first_seen, row.last_seen],
    );
  }

  async touchWorker(db: Db, workerId: string, now: string): Promise<number> {
    return db.run(`UPDATE workers SET last_seen = $1 WHERE worker_id = $2`, [now, workerId]);
  }

  /** All workers, or only those seen at or after `seenSince`. */
  async findWorkers(db: Db, seenSince?: string): Promise<WorkerRow[]> {
    return seenSince === undefined
      ? db.rows<WorkerRow>(`SELECT * FROM workers ORDER BY worker_id`)
      : db.rows<WorkerRow>(`SELECT * FROM workers WHERE last_seen >= $1 ORDER BY worker_id`, [seenSince]);
  }
}
