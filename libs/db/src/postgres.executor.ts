import type { DataSource, QueryRunner } from 'typeorm';
import type { OnModuleDestroy } from '@nestjs/common';
import { Db, type Sql } from './db';
import { PostgresNotifications } from './postgres.notifications';
import { POSTGRES } from './sql-dialect';

/**
 * PostgreSQL through TypeORM's connection pool: every section takes a
 * connection of its own, so sections run side by side, and receivers sharing
 * the database are kept apart by row locks (`FOR UPDATE`, `SKIP LOCKED`).
 */
export class PostgresExecutor extends Db implements OnModuleDestroy {
  readonly dialect = POSTGRES;
  readonly notifications: PostgresNotifications;

  constructor(private readonly dataSource: DataSource) {
    super();
    this.notifications = new PostgresNotifications(dataSource);
  }

  async onModuleDestroy(): Promise<void> {
    await this.notifications.close();
  }

  async read<T>(section: (sql: Sql) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    try {
      return await section(this.statements(runner));
    } finally {
      await runner.release();
    }
  }

  async write<T>(section: (sql: Sql) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      try {
        const value = await section(this.statements(runner));
        await runner.commitTransaction();
        return value;
      } catch (err) {
        if (runner.isTransactionActive) await runner.rollbackTransaction();
        throw err;
      }
    } finally {
      await runner.release();
    }
  }

  private statements(runner: QueryRunner): Sql {
    // node-postgres takes the repositories' `$n` placeholders as they are.
    const exec = (sql: string, params: readonly unknown[]) => runner.query(sql, [...params], true);
    return {
      rows: async (sql, params = []) => (await exec(sql, params)).records,
      run: async (sql, params = []) => (await exec(sql, params)).affected ?? 0,
    };
  }
}
