import type { DataSource } from 'typeorm';

/**
 * Every difference between SQLite and PostgreSQL that the queue's SQL meets,
 * in one place. The repository writes PostgreSQL-style `$1` placeholders and
 * asks this object for the rest.
 */
export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres';
  /** Rewrites `$n` placeholders into the driver's form, reordering the parameters to match. */
  bind(sql: string, params: readonly unknown[]): [string, unknown[]];
  /** A condition: the JSON array stored as text in `column` contains the value of `param`. */
  jsonArrayHas(column: string, param: string): string;
  /**
   * Placed after the table name in the claim's inner SELECT. SQLite's planner
   * otherwise fetches every pending row by status and sorts them (≈ 12 ms per
   * claim at 50,000 pending jobs, against microseconds walking the claim-order
   * index); PostgreSQL weighs LIMIT 1 itself.
   */
  claimIndexHint(index: string): string;
  /** Appended to the claim's inner SELECT so concurrent claimers skip each other's row. */
  readonly skipLocked: string;
  /** Appended to a SELECT that reads a row it is about to change in the same transaction. */
  readonly forUpdate: string;
  /**
   * True when every statement shares one connection (better-sqlite3): then
   * transactions must not interleave, and reads must not run inside another
   * caller's open transaction, so all access is queued.
   */
  readonly singleConnection: boolean;
}

const sqlite: SqlDialect = {
  name: 'sqlite',
  bind(sql, params) {
    const ordered: unknown[] = [];
    const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
      ordered.push(params[Number(n) - 1]);
      return '?';
    });
    return [text, ordered];
  },
  jsonArrayHas: (column, param) => `EXISTS (SELECT 1 FROM json_each(${column}) WHERE json_each.value = ${param})`,
  claimIndexHint: (index) => ` INDEXED BY ${index}`,
  skipLocked: '',
  forUpdate: '',
  singleConnection: true,
};

const postgres: SqlDialect = {
  name: 'postgres',
  bind: (sql, params) => [sql, [...params]],
  jsonArrayHas: (column, param) => `jsonb_exists(${column}::jsonb, ${param})`,
  claimIndexHint: () => '',
  skipLocked: ' FOR UPDATE SKIP LOCKED',
  forUpdate: ' FOR UPDATE',
  singleConnection: false,
};

export function dialectOf(dataSource: DataSource): SqlDialect {
  return dataSource.options.type === 'postgres' ? postgres : sqlite;
}
