import type { DataSource } from 'typeorm';

/** The advisory lock key receivers migrate under: any fixed 64-bit number, the same for every receiver. */
export const MIGRATION_LOCK_KEY = 4_900_011;

/**
 * Runs the pending migrations on PostgreSQL so that receivers starting
 * together apply each exactly once (SPEC §11): each waits for a session
 * advisory lock, and whoever gets it second finds nothing left to run.
 * TypeORM itself takes no lock, and two receivers racing would both try to
 * create the same tables.
 */
export async function migrateOnce(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await dataSource.runMigrations({ transaction: 'all' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
