import { Injectable } from '@nestjs/common';
import type { Sql } from '@cis490/db';

/** A `workers` row: what a worker last told the receiver about itself, and when. */
export interface WorkerRow {
  worker_id: string;
  hostname: string;
  /** JSON of the worker's capability. */
  capability: string;
  allow_jobs: string | null;
  deny_jobs: string | null;
  first_seen: string;
  last_seen: string;
  /** How many jobs it runs at once (SPEC §10). */
  slots: number;
}

/**
 * The statement that records a sighting, its placeholders numbered from
 * `first`, so that the claim can carry it (see QueueRepository.claim).
 */
export function upsertWorker(row: WorkerRow, first: number): { text: string; params: unknown[] } {
  const [a, b, c, d, e, f, g, h] = Array.from({ length: 8 }, (_, i) => `$${first + i}`);
  return {
    text: `INSERT INTO workers (worker_id, hostname, capability, allow_jobs, deny_jobs, first_seen, last_seen, slots)
       VALUES (${a}, ${b}, ${c}, ${d}, ${e}, ${f}, ${g}, ${h})
       ON CONFLICT (worker_id) DO UPDATE SET
         hostname = excluded.hostname, capability = excluded.capability,
         allow_jobs = excluded.allow_jobs, deny_jobs = excluded.deny_jobs, last_seen = excluded.last_seen,
         slots = excluded.slots`,
    params: [row.worker_id, row.hostname, row.capability, row.allow_jobs, row.deny_jobs, row.first_seen, row.last_seen, row.slots],
  };
}

/** The SQL of the workers the receiver has seen. */
@Injectable()
export class WorkersRepository {
  /** Records what a worker told us about itself and when. */
  async upsert(sql: Sql, row: WorkerRow): Promise<void> {
    const statement = upsertWorker(row, 1);
    await sql.run(statement.text, statement.params);
  }

  async touch(sql: Sql, workerId: string, now: string): Promise<number> {
    return sql.run(`UPDATE workers SET last_seen = $1 WHERE worker_id = $2`, [now, workerId]);
  }

  /** All workers, or only those seen at or after `seenSince`. */
  async find(sql: Sql, seenSince?: string): Promise<WorkerRow[]> {
    return seenSince === undefined
      ? sql.rows<WorkerRow>(`SELECT * FROM workers ORDER BY worker_id`)
      : sql.rows<WorkerRow>(`SELECT * FROM workers WHERE last_seen >= $1 ORDER BY worker_id`, [seenSince]);
  }

  /**
   * Forgets workers holding no job that were last seen before `seenBefore`,
   * and, beyond the `keep` most recently seen, those last seen before
   * `offlineBefore` too; answers how many.
   */
  async forget(sql: Sql, seenBefore: string, keep: number, offlineBefore: string): Promise<number> {
    const idle = `NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.worker_id = workers.worker_id AND jobs.status IN ('claimed', 'running'))`;
    const old = await sql.run(`DELETE FROM workers WHERE last_seen < $1 AND ${idle}`, [seenBefore]);
    const excess = await sql.run(
      `DELETE FROM workers WHERE last_seen < $1 AND ${idle} AND worker_id NOT IN (
         SELECT worker_id FROM workers ORDER BY last_seen DESC LIMIT $2)`,
      [offlineBefore, keep],
    );
    return old + excess;
  }
}
