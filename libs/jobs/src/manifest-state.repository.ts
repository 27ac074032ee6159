import { Injectable } from '@nestjs/common';
import type { Sql } from '@cis490/db';

/** The manifest in force, as every receiver sharing the database sees it (SPEC §11). */
export interface ManifestStateRow {
  /** Grows with every reload, successful or not: a receiver behind it has something to adopt. */
  version: number;
  /** The text of the manifest in force; null until one has loaded. */
  source: string | null;
  /** The file it was read from, on the receiver that loaded it. */
  path: string | null;
  loaded_at: string | null;
  /** The latest reload's error, or null when it loaded. */
  error: string | null;
}

/** The one row of `manifest_state`. */
@Injectable()
export class ManifestStateRepository {
  async read(sql: Sql): Promise<ManifestStateRow> {
    const [row] = await sql.rows<ManifestStateRow>(`SELECT version, source, path, loaded_at, error FROM manifest_state WHERE id = 1`);
    return { ...row, version: Number(row.version) };
  }

  async loaded(sql: Sql, source: string, path: string, at: string): Promise<number> {
    const [row] = await sql.rows<{ version: number }>(
      `UPDATE manifest_state SET version = version + 1, source = $1, path = $2, loaded_at = $3, error = NULL
        WHERE id = 1 RETURNING version`,
      [source, path, at],
    );
    return Number(row.version);
  }

  async failed(sql: Sql, error: string): Promise<number> {
    const [row] = await sql.rows<{ version: number }>(
      `UPDATE manifest_state SET version = version + 1, error = $1 WHERE id = 1 RETURNING version`,
      [error],
    );
    return Number(row.version);
  }
}
