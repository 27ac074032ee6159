import type { Database, Statement } from 'better-sqlite3';
import type { Logger } from 'typeorm';
import type { Db } from './queue.repository';
import type { SqlDialect } from './sql-dialect';

/**
 * Enough for every statement the queue repeats (claims with their allow/deny
 * lists, heartbeats, the lifecycle updates); one-off texts such as a reload's
 * last insert batch age out instead of piling up.
 */
const CACHE_SIZE = 100;

/**
 * The queue's SQL straight on better-sqlite3's connection, which TypeORM
 * opened and migrated: each SQL text is prepared once, and a transaction is
 * `BEGIN IMMEDIATE` … `COMMIT`. Through TypeORM's query runners the per-call
 * overhead cost several times what the statements themselves do. Results are
 * the ones TypeORM's driver gives: rows from statements that return them,
 * the number of changed rows otherwise.
 *
 * Nothing here queues callers: the repository runs one section at a time.
 */
export class SqliteStatements {
  readonly db: Db;
  private readonly cache = new Map<string, Statement>();

  constructor(
    private readonly connection: Database,
    private readonly dialect: SqlDialect,
    // Kept so TypeORM's `logging` option still shows the queue's statements.
    private readonly logger: Logger,
  ) {
    this.db = {
      rows: async <T>(sql: string, params: readonly unknown[] = []) => this.exec(sql, params).rows as T[],
      run: async (sql: string, params: readonly unknown[] = []) => this.exec(sql, params).changes,
    };
  }

  /** One transaction: commits when `section` resolves, rolls back when it throws. */
  async transaction<T>(section: (db: Db) => Promise<T>): Promise<T> {
    // IMMEDIATE takes the write lock now, so a busy database is waited for
    // (busy_timeout) here rather than failing halfway through the section.
    this.statement('BEGIN IMMEDIATE').run();
    try {
      const result = await section(this.db);
      this.statement('COMMIT').run();
      return result;
    } catch (err) {
      // SQLite rolls back by itself after some errors (e.g. a full disk).
      if (this.connection.inTransaction) this.statement('ROLLBACK').run();
      throw err;
    }
  }

  private exec(sql: string, params: readonly unknown[]): { rows: unknown[]; changes: number } {
    const [text, ordered] = this.dialect.bind(sql, params);
    // better-sqlite3 binds neither booleans nor undefined.
    const bound = ordered.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p === undefined ? null : p));
    this.logger.logQuery(text, bound);
    const stmt = this.statement(text);
    return stmt.reader ? { rows: stmt.all(...bound), changes: 0 } : { rows: [], changes: stmt.run(...bound).changes };
  }

  private statement(sql: string): Statement {
    let stmt = this.cache.get(sql);
    if (stmt) {
      // Most recently used last, so the hot statements are never the ones evicted.
      this.cache.delete(sql);
    } else {
      stmt = this.connection.prepare(sql);
      if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
    }
    this.cache.set(sql, stmt);
    return stmt;
  }
}
