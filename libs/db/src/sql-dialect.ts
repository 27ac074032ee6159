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
   * grows with the queue (see bench/README.md); PostgreSQL weighs LIMIT 1 itself.
   */
  claimIndexHint(index: string): string;
  /** Appended to the claim's inner SELECT so concurrent claimers skip each other's row. */
  readonly skipLocked: string;
  /** Appended to a SELECT that reads a row it is about to change in the same transaction. */
  readonly forUpdate: string;
}

export const SQLITE: SqlDialect = {
  name: 'sqlite',
  jsonArrayHas: (column, param) => `EXISTS (SELECT 1 FROM json_each(${column}) WHERE json_each.value = ${param})`,
  jsonArrayValues: (column, alias) => `json_each(${column}) AS ${alias}`,
  claimIndexHint: (index) => ` INDEXED BY ${index}`,
  skipLocked: '',
  forUpdate: '',
};

export const POSTGRES: SqlDialect = {
  name: 'postgres',
  jsonArrayHas: (column, param) => `jsonb_exists(${column}::jsonb, ${param})`,
  jsonArrayValues: (column, alias) => `jsonb_array_elements_text(${column}::jsonb) AS ${alias}(value)`,
  claimIndexHint: () => '',
  skipLocked: ' FOR UPDATE SKIP LOCKED',
  forUpdate: ' FOR UPDATE',
};
