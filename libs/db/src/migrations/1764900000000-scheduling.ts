import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scheduling (SPEC §10): the GPUs a job holds, which exit codes retry it and
 * how long a retry waits, and the named jobs it runs after. All of them are
 * settings a reload rewrites; `not_before` is the queue's own: when a job
 * waiting out a retry's backoff may be claimed again (null = now), and
 * `avoid_worker_id` until `avoid_until` the worker whose attempt failed.
 */
export class Scheduling1764900000000 implements MigrationInterface {
  name = 'Scheduling1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE jobs ADD COLUMN gpus INTEGER NOT NULL DEFAULT 0`);
    // The default of a job that needs CUDA is one GPU; require_cuda is stored as it takes effect.
    await queryRunner.query(`UPDATE jobs SET gpus = require_cuda`);
    await queryRunner.query(`ALTER TABLE jobs ADD COLUMN retry_on_exit_codes TEXT NOT NULL DEFAULT '[75,137]'`);
    await queryRunner.query(`ALTER TABLE jobs ADD COLUMN retry_backoff_s INTEGER NOT NULL DEFAULT 30`);
    await queryRunner.query(`ALTER TABLE jobs ADD COLUMN retry_backoff_max_s INTEGER NOT NULL DEFAULT 3600`);
    await queryRunner.query(`ALTER TABLE jobs ADD COLUMN name TEXT`);
    await queryRunner.query(`ALTER TABLE jobs ADD COLUMN after TEXT NOT NULL DEFAULT '[]'`);
    // `after` resolved to the ids of the jobs its names cover, at each reload: the claim checks those.
    await queryRunner.query(`ALTER TABLE jobs ADD COLUMN after_ids TEXT NOT NULL DEFAULT '[]'`);
    await queryRunner.query(`ALTER TABLE jobs ADD COLUMN not_before TEXT`);
    await queryRunner.query(`ALTER TABLE jobs ADD COLUMN avoid_worker_id TEXT`);
    await queryRunner.query(`ALTER TABLE jobs ADD COLUMN avoid_until TEXT`);
    // A dependency is looked up by the name its dependents give.
    await queryRunner.query(`CREATE INDEX idx_jobs_name ON jobs (name)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX idx_jobs_name`);
    for (const column of ['avoid_until', 'avoid_worker_id', 'not_before', 'after_ids', 'after', 'name', 'retry_backoff_max_s', 'retry_backoff_s', 'retry_on_exit_codes', 'gpus']) {
      await queryRunner.query(`ALTER TABLE jobs DROP COLUMN ${column}`);
    }
  }
}
