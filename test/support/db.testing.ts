import { Test } from '@nestjs/testing';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { databaseOptions, Db, DbModule, type DatabaseLocation, MIGRATIONS } from '@cis490/db';

export interface TestDb {
  db: Db;
  close(): Promise<void>;
}

/**
 * The database alone, opened and migrated as the receiver opens it: SQLite
 * in `dataDir`, or PostgreSQL at `databaseUrl`. Each call is a connection (a
 * pool on PostgreSQL) of its own, as each receiver has.
 */
export async function openDb(location: DatabaseLocation): Promise<TestDb> {
  const module = await Test.createTestingModule({
    imports: [DbModule.forRootAsync({ useFactory: () => location })],
  }).compile();
  module.useLogger(false);
  return { db: module.get(Db), close: () => module.close() };
}

/**
 * The database as an older receiver left it: only the first `count`
 * migrations applied. Write the rows an upgrade must handle with `query`,
 * `destroy` it, then `openDb` runs the rest as the receiver would.
 */
export async function openDbMigratedTo(location: DatabaseLocation, count: number): Promise<DataSource> {
  const options = { ...databaseOptions(location), migrations: MIGRATIONS.slice(0, count), migrationsRun: false };
  const dataSource = await new DataSource(options as DataSourceOptions).initialize();
  await dataSource.runMigrations();
  return dataSource;
}
