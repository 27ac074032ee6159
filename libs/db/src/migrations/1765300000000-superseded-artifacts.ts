import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An artifact record is superseded when its job completes with another
 * bundle: the record stays (history, and `index.jsonl` keeps its line), but
 * it is no longer listed or downloadable, and its file goes once no live
 * record of the same (model, mode, sha256) is left. Records of jobs already
 * completed with another bundle are marked here, as of the job's completion,
 * so a lab upgrading gets its stray uploads cleaned at the next start too.
 */
export class SupersededArtifacts1765300000000 implements MigrationInterface {
  name = 'SupersededArtifacts1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE artifacts ADD COLUMN superseded_at TEXT`);
    await queryRunner.query(`
      UPDATE artifacts SET superseded_at = (
        SELECT COALESCE(j.finished_at, j.updated_at) FROM jobs j WHERE j.id = artifacts.job_id)
      WHERE EXISTS (
        SELECT 1 FROM jobs j
        WHERE j.id = artifacts.job_id AND j.status = 'completed'
          AND j.artifact_sha256 IS NOT NULL AND j.artifact_sha256 <> artifacts.sha256)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE artifacts DROP COLUMN superseded_at`);
  }
}
