import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Watching the fleet (SPEC §9): each job's current attempt with its latest
 * progress point and log size, a row per attempt, and the progress points.
 * Log bytes live in files under the data dir; a row knows their size.
 */
export class LiveView1764800000000 implements MigrationInterface {
  name = 'LiveView1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.driver.options.type === 'postgres';
    const float = postgres ? 'DOUBLE PRECISION' : 'REAL';
    const int64 = postgres ? 'BIGINT' : 'INTEGER';

    // `attempt` counts every claim and is never reset (unlike `attempts`), so
    // a requeued or released job's next run never writes over an earlier log.
    await queryRunner.query(`ALTER TABLE jobs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0`);
    await queryRunner.query(`UPDATE jobs SET attempt = attempts`);
    await queryRunner.query(`ALTER TABLE jobs ADD COLUMN progress TEXT`);
    await queryRunner.query(`ALTER TABLE jobs ADD COLUMN log_size ${int64} NOT NULL DEFAULT 0`);

    // A row per attempt that wrote a log or progress, made by its first
    // write (the claim stays one statement; who claimed each attempt and when
    // are in job_events). `points_seen` numbers the attempt's points as they
    // arrive; the kept ones are those on the stride (and the last), so
    // thinning stays even over the whole run.
    await queryRunner.query(`
      CREATE TABLE job_runs (
        job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        attempt INTEGER NOT NULL,
        log_size ${int64} NOT NULL DEFAULT 0,
        log_truncated INTEGER NOT NULL DEFAULT 0,
        points_seen INTEGER NOT NULL DEFAULT 0,
        points_stride INTEGER NOT NULL DEFAULT 1,
        PRIMARY KEY (job_id, attempt)
      )`);

    await queryRunner.query(`
      CREATE TABLE job_progress (
        job_id TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        ordinal INTEGER NOT NULL,
        at TEXT NOT NULL,
        step ${float},
        total ${float},
        epoch ${float},
        message TEXT,
        metric_values TEXT NOT NULL,
        PRIMARY KEY (job_id, attempt, ordinal),
        FOREIGN KEY (job_id, attempt) REFERENCES job_runs (job_id, attempt) ON DELETE CASCADE
      )`);

    // The leaderboard reads one model's completed jobs.
    await queryRunner.query(`CREATE INDEX idx_jobs_results ON jobs (model, status, mode)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX idx_jobs_results`);
    await queryRunner.query(`DROP TABLE job_progress`);
    await queryRunner.query(`DROP TABLE job_runs`);
    await queryRunner.query(`ALTER TABLE jobs DROP COLUMN log_size`);
    await queryRunner.query(`ALTER TABLE jobs DROP COLUMN progress`);
    await queryRunner.query(`ALTER TABLE jobs DROP COLUMN attempt`);
  }
}
