import { setImmediate as nextTurn } from 'node:timers/promises';
import { AsyncMutex } from './async-mutex';
import type { QueuedWrite, SqliteStatements } from './sqlite-statements';
import type { Db } from './queue.repository';

/** The most write sections one COMMIT carries: bounds how long the first of them waits for it. */
const MAX_GROUP = 64;

/**
 * Read and write sections on SQLite's single connection, one at a time and
 * in call order. Write sections that queue up together — the claims and
 * heartbeats of many workers arriving at once — share one transaction, each
 * inside a savepoint of its own (group commit): one COMMIT writes each
 * changed page once for all of them instead of once per section (that had
 * been half of what a claim cost). A section that throws is rolled back alone,
 * and each caller hears only after the COMMIT that made its section durable.
 */
export class SqliteSections {
  private readonly mutex = new AsyncMutex();
  /** The group that write sections called now join: queued, not yet started. */
  private open: QueuedWrite[] | null = null;

  constructor(private readonly statements: SqliteStatements) {}

  /** Reads outside a transaction, after every section called before it. */
  read<T>(section: (db: Db) => Promise<T>): Promise<T> {
    // A write called after this read must not overtake it by joining an earlier group.
    this.open = null;
    return this.mutex.run(() => section(this.statements.db));
  }

  /** One transaction's worth of work: it commits as a whole or not at all. */
  write<T>(section: (db: Db) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.open === null || this.open.length >= MAX_GROUP) this.open = this.queueGroup();
      this.open.push({ section, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  private queueGroup(): QueuedWrite[] {
    const group: QueuedWrite[] = [];
    void this.mutex.run(async () => {
      // Sections called during this turn of the event loop join the group too.
      await nextTurn();
      if (this.open === group) this.open = null;
      try {
        await this.statements.commitGroup(group);
      } catch (err) {
        // The transaction broke down (a rollback failed): whoever is still waiting hears why.
        for (const write of group) write.reject(err);
      }
    });
    return group;
  }
}
