import type { Notifications } from './notifications';
import type { SqlDialect } from './sql-dialect';

/**
 * The statements of one section. SQL is written with PostgreSQL-style `$1`
 * placeholders on either driver.
 */
export interface Sql {
  rows<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement; answers the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

export interface WriteOptions {
  /**
   * The commit must survive a power cut once the call resolves. PostgreSQL's
   * commits always do (`synchronous_commit` on); SQLite's, which sync the WAL
   * only at checkpoints, then sync it at this commit. For commits whose loss
   * costs more than an fsync: a job's completion, after which the worker
   * drops its bundle.
   */
  durable?: boolean;
  /**
   * Each statement of the section may commit on its own, and statements it
   * issues without awaiting each other may run in any order. For a section
   * that writes in a single statement (atomic by itself), PostgreSQL then runs
   * it without BEGIN and COMMIT, on a connection it shares with other such
   * statements: one message to the server instead of three, and no connection
   * held. SQLite runs every write section in its group's transaction
   * regardless.
   */
  autocommit?: boolean;
}

/**
 * The database as services and repositories use it: sections of statements,
 * read outside a transaction or written as one. Each driver has its executor
 * (`SqliteExecutor`, `PostgresExecutor`); `DbModule` provides the one the
 * configuration names under this class.
 */
export abstract class Db {
  abstract readonly dialect: SqlDialect;

  /**
   * Since when writes have been waiting for a lock another process holds
   * (SQLite: someone else's transaction on the file); null when they are not.
   */
  get busySince(): number | null {
    return null;
  }

  /** Messages to and from the other receivers sharing the database; null when it has just one (SQLite). */
  abstract readonly notifications: Notifications | null;

  /** Reads outside a transaction: each statement sees committed data. */
  abstract read<T>(section: (sql: Sql) => Promise<T>): Promise<T>;

  /** One transaction: everything in `section` commits together or not at all. */
  abstract write<T>(section: (sql: Sql) => Promise<T>, options?: WriteOptions): Promise<T>;
}

/** Writes waited as long as they may for a lock another process holds: the caller should try again later. */
export class DatabaseBusyError extends Error {
  constructor(waitedMs: number) {
    super(`the database is locked by another process (waited ${Math.round(waitedMs / 1000)} s); try again shortly`);
    this.name = 'DatabaseBusyError';
  }
}
