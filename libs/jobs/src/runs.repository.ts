import { Injectable } from '@nestjs/common';
import { insertRows, type Sql } from '@cis490/db';
import type { JobRow } from './job-row';

/** A `job_runs` row: what an attempt wrote — its log's size, its progress points' numbering. */
export interface RunRow {
  job_id: string;
  attempt: number;
  log_size: number;
  log_truncated: number;
  points_seen: number;
  points_stride: number;
}

/** A `job_progress` row; `metric_values` is the JSON of the point's metric series. */
export interface ProgressRow {
  job_id: string;
  attempt: number;
  ordinal: number;
  at: string;
  step: number | null;
  total: number | null;
  epoch: number | null;
  message: string | null;
  metric_values: string;
}

const PROGRESS_COLUMNS = ['job_id', 'attempt', 'ordinal', 'at', 'step', 'total', 'epoch', 'message', 'metric_values'] as const;

/** The SQL of attempts (`job_runs`) and their progress points (`job_progress`). */
@Injectable()
export class RunsRepository {
  /** The attempt's row, made by its first write. */
  async findOrMakeRun(sql: Sql, jobId: string, attempt: number): Promise<RunRow> {
    await sql.run(`INSERT INTO job_runs (job_id, attempt) VALUES ($1, $2) ON CONFLICT (job_id, attempt) DO NOTHING`, [
      jobId,
      attempt,
    ]);
    const rows = await sql.rows<RunRow>(`SELECT * FROM job_runs WHERE job_id = $1 AND attempt = $2`, [jobId, attempt]);
    return rows[0];
  }

  /** The attempts of a job that wrote something, with their numbers of kept points, oldest first. */
  async findRuns(sql: Sql, jobId: string): Promise<(RunRow & { points: number })[]> {
    return sql.rows<RunRow & { points: number }>(
      `SELECT r.*, (SELECT COUNT(*) FROM job_progress p WHERE p.job_id = r.job_id AND p.attempt = r.attempt) AS points
       FROM job_runs r WHERE r.job_id = $1 ORDER BY r.attempt`,
      [jobId],
    );
  }

  /** How many points the attempt has been sent, and the stride it keeps them on. */
  async recordPointsSeen(sql: Sql, jobId: string, attempt: number, seen: number, stride: number): Promise<void> {
    await sql.run(`UPDATE job_runs SET points_seen = $3, points_stride = $4 WHERE job_id = $1 AND attempt = $2`, [
      jobId,
      attempt,
      seen,
      stride,
    ]);
  }


  /**
   * The current attempt's log size on its job and run. Only ever grows: two
   * appends answered out of order must not shrink it.
   */
  async recordLogSize(sql: Sql, jobId: string, attempt: number, size: number, truncated: boolean): Promise<JobRow | null> {
    await sql.run(
      `INSERT INTO job_runs (job_id, attempt, log_size, log_truncated) VALUES ($1, $2, $3, $4)
       ON CONFLICT (job_id, attempt) DO UPDATE SET log_size = excluded.log_size, log_truncated = excluded.log_truncated
       WHERE job_runs.log_size < excluded.log_size`,
      [jobId, attempt, size, truncated ? 1 : 0],
    );
    const rows = await sql.rows<JobRow>(
      `UPDATE jobs SET log_size = $3 WHERE id = $1 AND attempt = $2 AND log_size < $3 RETURNING *`,
      [jobId, attempt, size],
    );
    return rows[0] ?? null;
  }

  /** The current attempt's latest point, as the job shows it. */
  async recordProgress(sql: Sql, jobId: string, attempt: number, latest: string): Promise<JobRow | null> {
    const rows = await sql.rows<JobRow>(`UPDATE jobs SET progress = $3 WHERE id = $1 AND attempt = $2 RETURNING *`, [
      jobId,
      attempt,
      latest,
    ]);
    return rows[0] ?? null;
  }

  async insertPoints(sql: Sql, rows: ProgressRow[]): Promise<void> {
    await insertRows(sql, 'job_progress', PROGRESS_COLUMNS, rows);
  }


  /**
   * Even thinning: keeps the points whose ordinal is on `stride`, and the
   * newest one (`lastOrdinal`) whatever its ordinal.
   */
  async thinPoints(sql: Sql, jobId: string, attempt: number, stride: number, lastOrdinal: number): Promise<void> {
    if (stride <= 1) return;
    await sql.run(
      `DELETE FROM job_progress WHERE job_id = $1 AND attempt = $2 AND ordinal % $3 <> 0 AND ordinal < $4`,
      [jobId, attempt, stride, lastOrdinal],
    );
  }

  /** The attempt's stored points stamped exactly `at`. */
  async findPointsAt(sql: Sql, jobId: string, attempt: number, at: string): Promise<ProgressRow[]> {
    return sql.rows<ProgressRow>(`SELECT * FROM job_progress WHERE job_id = $1 AND attempt = $2 AND at = $3 ORDER BY ordinal`, [
      jobId,
      attempt,
      at,
    ]);
  }

  async findPoints(sql: Sql, jobId: string, attempt: number): Promise<ProgressRow[]> {
    return sql.rows<ProgressRow>(`SELECT * FROM job_progress WHERE job_id = $1 AND attempt = $2 ORDER BY ordinal`, [
      jobId,
      attempt,
    ]);
  }
}
