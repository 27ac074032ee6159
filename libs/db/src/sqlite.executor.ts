import type { Database } from 'better-sqlite3';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'typeorm';
import { AsyncMutex } from './async-mutex';
import { DatabaseBusyError, Db, type Sql, type WriteOptions } from './db';
import { SQLITE } from './sql-dialect';
import { type QueuedWrite, SqliteStatements } from './sqlite-statements';

/** The most write sections one COMMIT carries: bounds how long the first of them waits for it. */
const MAX_GROUP = 64;
/** How long writes wait for a lock another process holds before their callers hear `DatabaseBusyError`. */
export const BUSY_WAIT_MS = 5_000;
/** The longest pause between two tries for that lock. */
const BUSY_RETRY_MAX_MS = 100;

/**
 * SQLite on better-sqlite3's single connection, where a transaction is
 * nothing but BEGIN … COMMIT on that connection. Sections are async
 * functions: two running at once would interleave their statements there —
 * one's BEGIN inside the other's transaction, a read seeing another caller's
 * uncommitted rows. So every read and write section runs one at a time, in
 * call order; SQLite serializes writers anyway.
 *
 * Write sections that queue up together — the claims and heartbeats of many
 * workers arriving at once — share one transaction, each inside a savepoint
 * of its own (group commit): one COMMIT writes each changed page once for all
 * of them instead of once per section. A section that throws is rolled back
 * alone, and each caller hears only after the COMMIT that made its section
 * durable.
 *
 * When another process holds the file's write lock (a backup, a CLI tool,
 * an operator's sqlite3 shell), a group waits for it between tries, outside
 * the queue, so the event loop and reads go on; after `BUSY_WAIT_MS` its
 * callers hear `DatabaseBusyError`.
 */
export class SqliteExecutor extends Db {
  readonly dialect = SQLITE;
  readonly notifications = null;
  private readonly statements: SqliteStatements;
  private readonly mutex = new AsyncMutex();
  /** The group that write sections called now join: queued, not yet started. */
  private open: QueuedWrite[] | null = null;
  /** When the oldest group still waiting for another process's lock first found it taken. */
  private waitingSince: number | null = null;

  constructor(connection: Database, logger: Logger) {
    super();
    this.statements = new SqliteStatements(connection, logger);
  }

  read<T>(section: (sql: Sql) => Promise<T>): Promise<T> {
    // A write called after this read must not overtake it by joining an earlier group.
    this.open = null;
    return this.mutex.run(() => section(this.statements.sql));
  }

  write<T>(section: (sql: Sql) => Promise<T>, options: WriteOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.open === null || this.open.length >= MAX_GROUP) this.open = this.queueGroup();
      this.open.push({ section, durable: options.durable === true, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  override get busySince(): number | null {
    return this.waitingSince;
  }

  private queueGroup(): QueuedWrite[] {
    const group: QueuedWrite[] = [];
    void this.commitWhenFree(group);
    return group;
  }

  private async commitWhenFree(group: QueuedWrite[]): Promise<void> {
    const started = Date.now();
    for (let pause = 5; ; pause = Math.min(pause * 2, BUSY_RETRY_MAX_MS)) {
      const committed = await this.mutex.run(async () => {
        // Sections called during this turn of the event loop join the group too.
        await nextTurn();
        if (this.open === group) this.open = null;
        try {
          const restoreSync = this.statements.tryBegin(group.some((write) => write.durable));
          if (!restoreSync) return false;
          await this.statements.commitGroup(group, restoreSync);
        } catch (err) {
          // The transaction broke down (a rollback failed): whoever is still waiting hears why.
          for (const write of group) write.reject(err);
        }
        return true;
      });
      if (committed) {
        this.waitingSince = null;
        return;
      }
      this.waitingSince ??= started;
      if (Date.now() - started >= BUSY_WAIT_MS) {
        // No longer waiting: a group still waiting says so again at its next try, from its own start.
        this.waitingSince = null;
        const busy = new DatabaseBusyError(Date.now() - started);
        for (const write of group) write.reject(busy);
        return;
      }
      await sleep(pause);
    }
  }
}
