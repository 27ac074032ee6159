import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Slots and GPUs (SPEC §10): the indices of the GPUs a claimed job holds on
 * its worker (a JSON array, empty once it leaves the worker), and how many
 * jobs each worker runs at once.
 */
export class GpuSlots1764950000000 implements MigrationInterface {
  name = 'GpuSlots1764950000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE jobs ADD COLUMN gpu_indices TEXT NOT NULL DEFAULT '[]'`);
    await queryRunner.query(`ALTER TABLE workers ADD COLUMN slots INTEGER NOT NULL DEFAULT 1`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE workers DROP COLUMN slots`);
    await queryRunner.query(`ALTER TABLE jobs DROP COLUMN gpu_indices`);
  }
}
