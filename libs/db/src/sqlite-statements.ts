import type { Database, Statement } from 'better-sqlite3';
import type { Logger } from 'typeorm';
import type { Sql } from './db';

/**
 * Enough for every statement the receiver repeats (claims with their
 * allow/deny lists, heartbeats, the lifecycle updates); one-off texts such as
 * a reload's last insert batch age out instead of piling up.
 */
const CACHE_SIZE = 100;

/** A write section waiting for its group's transaction (see `SqliteExecutor`). */
export interface QueuedWrite {
  section: (sql: Sql) => Promise<unknown>;
  /** Its COMMIT syncs the WAL (`WriteOptions.durable`). */
  durable: boolean;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** A prepared statement, and `order[i]`: the index in the caller's parameters of its i-th `?`. */
interface Prepared {
  stmt: Statement;
  order: number[];
}

/** `$n` placeholders (the form the repositories write) as SQLite's positional `?`. */
function compile(sql: string): { text: string; order: number[] } {
  const order: number[] = [];
  const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
    order.push(Number(n) - 1);
    return '?';
  });
  return { text, order };
}

/**
 * SQL straight on better-sqlite3's connection, which TypeORM opened and
 * migrated: each SQL text is rewritten and prepared once, and transactions
 * are `BEGIN IMMEDIATE` … `COMMIT`. Through TypeORM's query runners the
 * per-call overhead cost several times what the statements themselves do.
 * Results are the ones TypeORM's driver gives: rows from statements that
 * return them, the number of changed rows otherwise.
 *
 * Nothing here queues callers: `SqliteExecutor` runs one section at a time.
 */
export class SqliteStatements {
  readonly sql: Sql;
  private readonly cache = new Map<string, Prepared>();

  constructor(
    private readonly connection: Database,
    // Kept so TypeORM's `logging` option still shows the statements.
    private readonly logger: Logger,
  ) {
    this.sql = {
      rows: async <T>(sql: string, params: readonly unknown[] = []) => this.exec(sql, params).rows as T[],
      run: async (sql: string, params: readonly unknown[] = []) => this.exec(sql, params).changes,
    };
  }

  /**
   * Runs write sections, in a transaction `tryBegin` began, each inside a savepoint of its
   * own, and settles each caller: after the COMMIT when its section
   * succeeded; at once, rolled back to its savepoint, when it threw. When the
   * transaction itself is lost — the COMMIT fails, or SQLite rolls everything
   * back after an error such as a full disk — the sections it carried get
   * that error, and those after them go on in a new transaction.
   */
  async commitGroup(group: readonly QueuedWrite[], restoreFirst: () => void): Promise<void> {
    let restoreSync = restoreFirst;
    try {
      for (let next = 0; next < group.length; ) {
        if (next > 0) restoreSync = this.syncFullIf(group.slice(next).some((write) => write.durable));
        next = await this.commitFrom(group, next, next === 0);
        restoreSync();
        restoreSync = () => undefined;
      }
    } catch (err) {
      // A savepoint that could not be rolled back: end the transaction, or no later group could begin one.
      if (this.connection.inTransaction) this.run('ROLLBACK');
      restoreSync();
      throw err;
    }
  }

  /**
   * Takes the write lock (`BEGIN IMMEDIATE`) for a group, at
   * synchronous=FULL when it holds a durable section, so a busy database is
   * found here rather than halfway through a section. Answers how to go back
   * to the usual sync level after the COMMIT; or null when another process
   * holds the lock past busy_timeout: the caller waits and tries again.
   */
  tryBegin(durable: boolean): (() => void) | null {
    const restoreSync = this.syncFullIf(durable);
    try {
      this.run('BEGIN IMMEDIATE');
      return restoreSync;
    } catch (err) {
      restoreSync();
      if ((err as { code?: string }).code === 'SQLITE_BUSY') return null;
      throw err;
    }
  }

  /**
   * Under WAL the database runs at synchronous=NORMAL: commits reach the disk
   * at checkpoints, which keeps claims from waiting on fsync. A group with a
   * durable section commits at FULL instead (one WAL fsync, shared by the
   * group). SQLite refuses the change inside a transaction, so it is made
   * before BEGIN; answers how to go back.
   */
  private syncFullIf(durable: boolean): () => void {
    const FULL = 2;
    if (!durable) return () => undefined;
    const level = this.connection.pragma('synchronous', { simple: true }) as number;
    if (level >= FULL) return () => undefined;
    this.connection.pragma(`synchronous = ${FULL}`);
    return () => this.connection.pragma(`synchronous = ${level}`);
  }

  /** One transaction over `group` from `start` (begun already when `begun`); answers where the next one starts. */
  private async commitFrom(group: readonly QueuedWrite[], start: number, begun: boolean): Promise<number> {
    const succeeded: { write: QueuedWrite; value: unknown }[] = [];
    const lose = (err: unknown) => succeeded.forEach(({ write }) => write.reject(err));
    try {
      if (!begun) this.run('BEGIN IMMEDIATE');
    } catch (err) {
      group.slice(start).forEach((write) => write.reject(err));
      return group.length;
    }
    let next = start;
    for (; next < group.length; next++) {
      const write = group[next];
      this.run('SAVEPOINT section');
      try {
        const value = await write.section(this.sql);
        this.run('RELEASE section');
        succeeded.push({ write, value });
      } catch (err) {
        write.reject(err);
        if (!this.connection.inTransaction) {
          lose(err);
          return next + 1;
        }
        this.run('ROLLBACK TO section');
        this.run('RELEASE section');
      }
    }
    try {
      this.run('COMMIT');
    } catch (err) {
      if (this.connection.inTransaction) this.run('ROLLBACK');
      lose(err);
      return next;
    }
    for (const { write, value } of succeeded) write.resolve(value);
    return next;
  }

  private run(sql: string): void {
    this.prepared(sql).stmt.run();
  }

  private exec(sql: string, params: readonly unknown[]): { rows: unknown[]; changes: number } {
    const { stmt, order } = this.prepared(sql);
    // better-sqlite3 binds neither booleans nor undefined.
    const bound = order.map((i) => {
      const p = params[i];
      return typeof p === 'boolean' ? (p ? 1 : 0) : p === undefined ? null : p;
    });
    this.logger.logQuery(stmt.source, bound);
    return stmt.reader ? { rows: stmt.all(...bound), changes: 0 } : { rows: [], changes: stmt.run(...bound).changes };
  }

  private prepared(sql: string): Prepared {
    let entry = this.cache.get(sql);
    if (entry) {
      // Most recently used last, so the hot statements are never the ones evicted.
      this.cache.delete(sql);
    } else {
      const { text, order } = compile(sql);
      entry = { stmt: this.connection.prepare(text), order };
      if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
    }
    this.cache.set(sql, entry);
    return entry;
  }
}
