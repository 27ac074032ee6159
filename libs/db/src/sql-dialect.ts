/**
 * Every difference between SQLite and PostgreSQL that the repositories' SQL
 * meets, in one place. Repositories write PostgreSQL-style `$1` placeholders
 * and ask this object for the rest.
 */
export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres';
  /**
   * Rewrites `$n` placeholders into the driver's form: `order[i]` is the
   * index in the caller's parameters of the i-th one; null when the driver
   * takes the parameters as they are.
   */
  compile(sql: string): { text: string; order: number[] | null };
  /** A condition: the JSON array stored as text in `column` contains the value of `param`. */
  jsonArrayHas(column: string, param: string): string;
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
  compile(sql) {
    const order: number[] = [];
    const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
      order.push(Number(n) - 1);
      return '?';
    });
    return { text, order };
  },
  jsonArrayHas: (column, param) => `EXISTS (SELECT 1 FROM json_each(${column}) WHERE json_each.value = ${param})`,
  claimIndexHint: (index) => ` INDEXED BY ${index}`,
  skipLocked: '',
  forUpdate: '',
};

export const POSTGRES: SqlDialect = {
  name: 'postgres',
  compile: (sql) => ({ text: sql, order: null }),
  jsonArrayHas: (column, param) => `jsonb_exists(${column}::jsonb, ${param})`,
  claimIndexHint: () => '',
  skipLocked: ' FOR UPDATE SKIP LOCKED',
  forUpdate: ' FOR UPDATE',
};

/** The caller's parameters in the order `compile` gave for its statement. */
export function orderParams(order: readonly number[] | null, params: readonly unknown[]): unknown[] {
  return order ? order.map((i) => params[i]) : [...params];
}

/** The statement text and its parameters in the driver's form, from `$n`-style SQL. */
export function bind(dialect: SqlDialect, sql: string, params: readonly unknown[]): [string, unknown[]] {
  const { text, order } = dialect.compile(sql);
  return [text, orderParams(order, params)];
}
