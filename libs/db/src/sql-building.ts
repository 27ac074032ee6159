import type { Sql } from './db';

/** Stays well under SQLite's 32,766 bound parameters per statement. */
const INSERT_BATCH_PARAMS = 16_000;

/** `$from, $from+1, …`: `count` placeholders for a list of values. */
export const placeholders = (from: number, count: number): string =>
  Array.from({ length: count }, (_, i) => `$${from + i}`).join(', ');

/** Multi-row inserts of `columns` of `rows`, batched under the bound-parameter limit. */
export async function insertRows<R, K extends keyof R & string>(
  sql: Sql,
  table: string,
  columns: readonly K[],
  rows: readonly R[],
): Promise<void> {
  const perBatch = Math.max(1, Math.floor(INSERT_BATCH_PARAMS / columns.length));
  for (let start = 0; start < rows.length; start += perBatch) {
    const batch = rows.slice(start, start + perBatch);
    const params: unknown[] = [];
    const values = batch.map((row) => {
      const first = params.length + 1;
      for (const c of columns) params.push(row[c]);
      return `(${placeholders(first, columns.length)})`;
    });
    await sql.run(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values.join(', ')}`, params);
  }
}
