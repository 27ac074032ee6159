import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { BetterSqlite3Driver } from 'typeorm/driver/better-sqlite3/BetterSqlite3Driver';
import { databaseOptions, type DatabaseLocation } from './database.options';
import { Db } from './db';
import { migrateOnce } from './migrate-once';
import { PostgresExecutor } from './postgres.executor';
import { SqliteExecutor } from './sqlite.executor';

export interface DbModuleAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: any[];
  useFactory: (...args: any[]) => DatabaseLocation | Promise<DatabaseLocation>;
}

/** The executor for the driver TypeORM opened the database with, once the schema is migrated. */
async function executorFor(dataSource: DataSource): Promise<Db> {
  if (dataSource.options.type === 'postgres') {
    await migrateOnce(dataSource);
    return new PostgresExecutor(dataSource);
  }
  const { databaseConnection } = dataSource.driver as BetterSqlite3Driver;
  return new SqliteExecutor(databaseConnection, dataSource.logger);
}

/**
 * The database, open and migrated before anything uses it: TypeORM opens the
 * connection and runs the migrations (on PostgreSQL under a lock, see
 * `migrateOnce`); `Db` (global) runs the statements.
 */
@Module({})
export class DbModule {
  static forRootAsync(options: DbModuleAsyncOptions): DynamicModule {
    return {
      module: DbModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          imports: options.imports,
          inject: options.inject,
          useFactory: async (...args: unknown[]) => databaseOptions(await options.useFactory(...args)),
        }),
      ],
      providers: [{ provide: Db, inject: [getDataSourceToken()], useFactory: executorFor }],
      exports: [Db],
    };
  }
}
