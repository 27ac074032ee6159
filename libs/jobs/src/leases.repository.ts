import { Injectable } from '@nestjs/common';
import type { Sql } from '@cis490/db';

/**
 * Leases in the database: work that one receiver at a time should do has one
 * holder, who renews its lease each time it does it. A receiver that dies
 * stops renewing, and once its lease runs out another takes over — no lock
 * is held across statements or connections.
 */
@Injectable()
export class LeasesRepository {
  /** Takes or renews `name` for `holder` until `until`; answers whether `holder` holds it now. */
  async acquire(sql: Sql, name: string, holder: string, now: string, until: string): Promise<boolean> {
    await sql.run(`INSERT INTO leases (name, holder, expires_at) VALUES ($1, NULL, '') ON CONFLICT (name) DO NOTHING`, [name]);
    // Row locks make concurrent takers queue here; each re-reads the row, so only one finds it free.
    const taken = await sql.run(
      `UPDATE leases SET holder = $2, expires_at = $4
        WHERE name = $1 AND (holder = $2 OR holder IS NULL OR expires_at <= $3)`,
      [name, holder, now, until],
    );
    return taken === 1;
  }

  /** Gives `name` up if `holder` holds it, so another may take it at once (a clean shutdown). */
  async release(sql: Sql, name: string, holder: string): Promise<void> {
    await sql.run(`UPDATE leases SET holder = NULL, expires_at = '' WHERE name = $1 AND holder = $2`, [name, holder]);
  }
}
