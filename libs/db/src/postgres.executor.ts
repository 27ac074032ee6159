import type { OnModuleDestroy } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { Db, type Sql, type WriteOptions } from './db';
import { type PgListener, PostgresNotifications } from './postgres.notifications';
import { type PipelinedClient, SharedConnections } from './postgres.shared-connections';
import { POSTGRES } from './sql-dialect';

/**
 * Connections open at once for sections that take one of their own
 * (transactions and reads): one per concurrent section. A commit waits for its
 * WAL flush; flushes are shared by the commits waiting together, so the more
 * sections are under way, the more commits each flush carries. With the
 * shared connections and the listening one, a receiver holds at most 21:
 * four receivers stay inside PostgreSQL's default 100 connections.
 */
const POOL_SIZE = 16;
/**
 * Connections that single statements share, pipelined (`SharedConnections`):
 * each runs its statements one after the other, so a few keep the server busy
 * with fewer claims racing each other for the same index pages and rows — and
 * every receiver sharing the database brings its own. Too few, and commits
 * that could share a WAL flush wait for each other's (bench/README.md).
 */
const SHARED_SIZE = 4;

/** Statement texts prepared (named) on each connection; more distinct texts run unnamed. */
const MAX_PREPARED = 100;
/** A text is prepared once it has run this often: a reload's one-off batches never are. */
const PREPARE_AFTER = 3;

/** The part of node-postgres used here (TypeORM loads the module; it ships no types). */
interface PgResult {
  command: string;
  rows: Record<string, unknown>[];
  rowCount: number | null;
}
interface PgQuery {
  text: string;
  values: unknown[];
  name?: string;
}
/** Where a section's statements go: a connection of the pool's, or the shared ones. */
interface PgQueryable {
  query(query: PgQuery): Promise<unknown>;
}
interface PgClient extends PgQueryable {
  query(query: string | PgQuery): Promise<PgResult>;
  release(destroy?: boolean | Error): void;
}
interface PgPool {
  readonly options: Record<string, unknown>;
  connect(): Promise<PgClient>;
  end(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): unknown;
}
interface PgModule {
  Pool: new (options: Record<string, unknown>) => PgPool;
  Client: new (options: Record<string, unknown>) => PgListener & PipelinedClient;
}

/**
 * PostgreSQL straight on node-postgres, on the database TypeORM opened and
 * migrated: every section takes a connection of its own, so sections run
 * side by side, and receivers sharing the database are kept apart by row
 * locks (`FOR UPDATE`, `SKIP LOCKED`).
 *
 * The pool is its own — TypeORM's connection settings, its own size — and its
 * connections pipeline: `BEGIN` travels with a section's first statement, and
 * statements a section issues without awaiting each other share one round
 * trip. An autocommit write (a claim) takes no connection of its own: its
 * statement joins those in flight on a few shared connections. A text that
 * keeps coming back is prepared on each connection, so it is parsed and
 * planned once there. Through TypeORM's query runners a claim took five round
 * trips and TypeORM's own work on each.
 */
export class PostgresExecutor extends Db implements OnModuleDestroy {
  readonly dialect = POSTGRES;
  readonly notifications: PostgresNotifications;
  private readonly pool: PgPool;
  private readonly shared: SharedConnections;
  private readonly seen = new Map<string, number>();
  private readonly names = new Map<string, string>();
  private prepared = 0;

  constructor(dataSource: DataSource) {
    super();
    const driver = dataSource.driver as unknown as { postgres: PgModule; master: PgPool };
    const settings = driver.master.options;
    // The password is not enumerable there (kept out of logs), so it is copied by name.
    const connection = { ...settings, password: settings.password };
    this.pool = new driver.postgres.Pool({ ...connection, max: POOL_SIZE, pipeline: true });
    this.shared = new SharedConnections(() => new driver.postgres.Client({ ...connection, pipeline: true }), SHARED_SIZE);
    this.notifications = new PostgresNotifications(
      () => new driver.postgres.Client(connection),
      (sql, params) => this.read((statements) => statements.rows(sql, params)),
    );
    // An idle connection the server dropped is replaced on the next connect; without a listener it would crash the process.
    this.pool.on('error', () => undefined);
  }

  async read<T>(section: (sql: Sql) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      return await section(this.statements(client));
    } finally {
      client.release();
    }
  }

  async write<T>(section: (sql: Sql) => Promise<T>, options: WriteOptions = {}): Promise<T> {
    // Outside a transaction each statement commits as it completes (and PostgreSQL's commits are durable).
    if (options.autocommit) return section(this.statements(this.shared));
    const client = await this.pool.connect();
    // Not awaited: it goes out with the section's first statement. Its outcome is read before COMMIT.
    const begun = client.query('BEGIN');
    begun.catch(() => undefined);
    let value: T;
    try {
      value = await section(this.statements(client));
      await begun;
      const done = await client.query('COMMIT');
      // A transaction broken by an error the section caught: PostgreSQL answers COMMIT by rolling back.
      if (done.command !== 'COMMIT') throw new Error(`the transaction was rolled back (${done.command}) after an error within it`);
    } catch (err) {
      try {
        await client.query('ROLLBACK');
        client.release();
      } catch {
        // The connection is unusable: drop it rather than hand it to the next section.
        client.release(true);
      }
      throw err;
    }
    client.release();
    return value;
  }

  async onModuleDestroy(): Promise<void> {
    await this.notifications.close();
    await this.shared.end();
    await this.pool.end();
  }

  private statements(client: PgQueryable): Sql {
    // node-postgres takes the repositories' `$n` placeholders as they are.
    const exec = async (text: string, params: readonly unknown[]) => {
      const name = this.nameFor(text);
      if (name === undefined) return (await client.query({ text, values: [...params] })) as PgResult;
      try {
        return (await client.query({ text, values: [...params], name })) as PgResult;
      } catch (err) {
        // A migration by a newer receiver changed a table under a prepared `SELECT *`
        // ("cached plan must not change result type"): the text runs unnamed from now on.
        if ((err as { code?: string }).code === '0A000') this.names.delete(text);
        throw err;
      }
    };
    return {
      rows: async <T>(sql: string, params: readonly unknown[] = []) => (await exec(sql, params)).rows as T[],
      run: async (sql: string, params: readonly unknown[] = []) => (await exec(sql, params)).rowCount ?? 0,
    };
  }

  /** The prepared statement's name for `text`, once it has come back often enough; undefined until then. */
  private nameFor(text: string): string | undefined {
    const name = this.names.get(text);
    if (name !== undefined || this.prepared >= MAX_PREPARED) return name;
    const count = (this.seen.get(text) ?? 0) + 1;
    if (count < PREPARE_AFTER) {
      // Counts of texts that never come back would pile up: start over now and then.
      if (this.seen.size >= 10 * MAX_PREPARED) this.seen.clear();
      this.seen.set(text, count);
      return undefined;
    }
    this.seen.delete(text);
    const named = `cis490_${this.prepared++}`;
    this.names.set(text, named);
    return named;
  }
}
