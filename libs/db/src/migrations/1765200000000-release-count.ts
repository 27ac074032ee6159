import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How many times each job was released by a worker shutting down: beyond a
 * few, releases count as attempts, so a release loop cannot keep a job alive
 * for ever.
 */
export class ReleaseCount1765200000000 implements MigrationInterface {
  name = 'ReleaseCount1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE jobs ADD COLUMN releases INTEGER NOT NULL DEFAULT 0`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE jobs DROP COLUMN releases`);
  }
}
