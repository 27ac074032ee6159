import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Artifact records in the database (SPEC §11), so every receiver sharing it
 * sees every upload: one row per stored (job, sha256), the fields of an
 * `index.jsonl` line. `artifact_index_file` is one row: how many bytes of
 * `<models_dir>/index.jsonl` hold committed lines. Its row lock serializes
 * every writer of the models dir across receivers, and its count is where the
 * next line goes, so a line of a transaction that never committed is
 * overwritten rather than left behind.
 */
export class ArtifactRecords1765000000000 implements MigrationInterface {
  name = 'ArtifactRecords1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const int64 = queryRunner.connection.driver.options.type === 'postgres' ? 'BIGINT' : 'INTEGER';
    await queryRunner.query(`
      CREATE TABLE artifacts (
        job_id TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size ${int64} NOT NULL,
        model TEXT NOT NULL,
        mode TEXT NOT NULL,
        worker_id TEXT NOT NULL,
        uploaded_at TEXT NOT NULL,
        PRIMARY KEY (job_id, sha256)
      )`);
    // Downloads find a bundle by its sha256; GET /v1/models lists by model and mode, oldest first.
    await queryRunner.query(`CREATE INDEX idx_artifacts_sha256 ON artifacts (sha256)`);
    await queryRunner.query(`CREATE INDEX idx_artifacts_list ON artifacts (model, mode, uploaded_at)`);
    await queryRunner.query(`
      CREATE TABLE artifact_index_file (
        id INTEGER PRIMARY KEY NOT NULL,
        bytes ${int64} NOT NULL,
        CONSTRAINT ck_artifact_index_file_one_row CHECK (id = 1)
      )`);
    await queryRunner.query(`INSERT INTO artifact_index_file (id, bytes) VALUES (1, 0)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE artifact_index_file`);
    await queryRunner.query(`DROP TABLE artifacts`);
  }
}
