import { Test } from '@nestjs/testing';
import { Db, DbModule, type DatabaseLocation } from '@cis490/db';

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
