/**
 * Every difference between SQLite and PostgreSQL that the repositories' SQL
 * meets, in one place. Repositories write PostgreSQL-style `$1` placeholders
 * (the SQLite executor rewrites them) and ask this object for the rest.
 */
export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres';
  /** A condition: the JSON array stored as text in `column` contains the value of `param`. */
  jsonArrayHas(column: string, param: string): string;
  /** A FROM item: the elements of the JSON array of text in `column`, as `alias.value`. */
  jsonArrayValues(column: string, alias: string): string;
  /**
   * Placed after the table name in the claim's inner SELECT. SQLite's planner
   * otherwise fetches every pending row by status and sorts them, a cost that
   * grows with the queue (see bench/README.md); PostgreSQL weighs LIMIT 1
   * itself, given statistics (`refreshStatistics`).
   */
  claimIndexHint(index: string): string;
  /** Appended to the claim's inner SELECT so concurrent claimers skip each other's row. */
  readonly skipLocked: string;
  /** Appended to a SELECT that reads a row it is about to change in the same transaction. */
  readonly forUpdate: string;
  /**
   * A statement that refreshes the planner's statistics of `table` after a
   * bulk change, or null. PostgreSQL plans the claim from them: before
   * autovacuum gets to a freshly loaded queue, it expects a handful of
   * pending jobs and sorts them all on every claim instead of walking the
   * claim index (see bench/README.md). SQLite's claim names its index.
   */
  refreshStatistics(table: string): string | null;
  /**
   * Whether a WITH clause may hold INSERT and UPDATE (PostgreSQL): the claim
   * then records its event in the same statement, one round trip fewer.
   */
  readonly writableWith: boolean;
  /**
   * A statement that, run first in a transaction, makes the transactions
   * that run it with the same `key` one at a time, across every connection
   * and receiver (PostgreSQL's transaction advisory lock); null where writes
   * are one at a time anyway (SQLite).
   */
  serialize(key: number): string | null;
}

export const SQLITE: SqlDialect = {
  name: 'sqlite',
  jsonArrayHas: (column, param) => `EXISTS (SELECT 1 FROM json_each(${column}) WHERE json_each.value = ${param})`,
  jsonArrayValues: (column, alias) => `json_each(${column}) AS ${alias}`,
  claimIndexHint: (index) => ` INDEXED BY ${index}`,
  skipLocked: '',
  forUpdate: '',
  refreshStatistics: () => null,
  writableWith: false,
  serialize: () => null,
};

export const POSTGRES: SqlDialect = {
  name: 'postgres',
  jsonArrayHas: (column, param) => `jsonb_exists(${column}::jsonb, ${param})`,
  jsonArrayValues: (column, alias) => `jsonb_array_elements_text(${column}::jsonb) AS ${alias}(value)`,
  claimIndexHint: () => '',
  skipLocked: ' FOR UPDATE SKIP LOCKED',
  forUpdate: ' FOR UPDATE',
  // Inside the transaction that inserted them, ANALYZE counts its own new rows.
  refreshStatistics: (table) => `ANALYZE ${table}`,
  serialize: (key) => `SELECT pg_advisory_xact_lock(${Math.trunc(key)})`,
  writableWith: true,
};
