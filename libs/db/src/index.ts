export { AsyncMutex } from './async-mutex';
export { databaseOptions, SQLITE_FILE_NAME, type DatabaseLocation } from './database.options';
export { Db, type Sql } from './db';
export { DbModule, type DbModuleAsyncOptions } from './db.module';
export { MIGRATIONS } from './migrations';
export { PostgresExecutor } from './postgres.executor';
export { insertRows, placeholders } from './sql-building';
export { POSTGRES, SQLITE, type SqlDialect } from './sql-dialect';
export { SqliteExecutor } from './sqlite.executor';
