import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Several receivers on one database (SPEC §11): the manifest in force (its
 * text, when and from where it loaded, the last reload's error), so a reload
 * through any receiver reaches every one; and leases, so work one receiver
 * at a time should do (the stale sweep) has one holder.
 */
export class SharedState1765100000000 implements MigrationInterface {
  name = 'SharedState1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE manifest_state (
         id INTEGER PRIMARY KEY CHECK (id = 1),
         version INTEGER NOT NULL,
         source TEXT,
         path TEXT,
         loaded_at TEXT,
         error TEXT
       )`,
    );
    await queryRunner.query(`INSERT INTO manifest_state (id, version) VALUES (1, 0)`);
    await queryRunner.query(
      `CREATE TABLE leases (
         name TEXT PRIMARY KEY,
         holder TEXT,
         expires_at TEXT NOT NULL
       )`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE leases`);
    await queryRunner.query(`DROP TABLE manifest_state`);
  }
}
