import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations';

export const SQLITE_FILE_NAME = 'training_jobs.db';
/** How long one SQLite statement waits, blocking, for a lock another process holds. */
export const SQLITE_BUSY_TIMEOUT_MS = 20;

const isPostgresUrl = (url: string | undefined): url is string => !!url && /^postgres(ql)?:\/\//i.test(url);

/** Where the database is: SQLite in the data dir unless a `postgres://` URL is given. */
export interface DatabaseLocation {
  dataDir: string;
  databaseUrl?: string;
}

/**
 * The queue's database: SQLite in the data dir by default, PostgreSQL when a
 * `postgres://` URL is given (several receivers sharing one queue). The schema
 * comes from migrations run at start, never from `synchronize`.
 */
export function databaseOptions(opts: DatabaseLocation): DataSourceOptions {
  const common = {
    migrations: MIGRATIONS,
    migrationsRun: true,
    synchronize: false,
    logging: false,
  } as const;
  if (isPostgresUrl(opts.databaseUrl)) {
    // Receivers sharing the database migrate under a lock (`migrateOnce`), not as TypeORM opens it.
    return { type: 'postgres', url: opts.databaseUrl, ...common, migrationsRun: false };
  }
  fs.mkdirSync(opts.dataDir, { recursive: true });
  return {
    type: 'better-sqlite3',
    database: path.join(opts.dataDir, SQLITE_FILE_NAME),
    // WAL lets readers (the CLI, a backup) work while the receiver writes.
    enableWAL: true,
    // better-sqlite3's `timeout` is SQLite's busy_timeout, in milliseconds. It
    // blocks the event loop while it waits, so it is short: a write finding
    // the file locked by another process waits asynchronously instead
    // (`SqliteExecutor`), and reads never wait under WAL.
    timeout: SQLITE_BUSY_TIMEOUT_MS,
    prepareDatabase: (db: Database) => {
      // Under WAL, NORMAL syncs at checkpoints rather than at every commit: a
      // power cut may lose the last commits but never corrupts the database,
      // and commits stop stalling the event loop on fsync.
      db.pragma('synchronous = NORMAL');
      // Each write section of a group commit runs in a savepoint, whose
      // journal (the pages as they were) outgrows SQLite's 64 KiB in memory
      // within a few claims and then went to a temp file: about 20 writes to
      // /var/tmp per claim (bench/README.md). In memory it is at most the
      // pages one group's sections touch; nothing in it outlives the COMMIT.
      db.pragma('temp_store = MEMORY');
    },
    ...common,
  };
}
