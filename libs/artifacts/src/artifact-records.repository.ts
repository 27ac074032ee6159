import type { ArtifactRecord } from '@cis490/contract';
import type { Sql, SqlDialect } from '@cis490/db';

const COLUMNS = 'sha256, size, model, mode, job_id, worker_id, uploaded_at';

/** A row as either driver answers it: PostgreSQL gives a BIGINT as a string. */
type ArtifactRow = Omit<ArtifactRecord, 'size'> & { size: number | string };

const toRecord = (row: ArtifactRow): ArtifactRecord => ({
  sha256: row.sha256,
  size: Number(row.size),
  model: row.model,
  mode: row.mode,
  job_id: row.job_id,
  worker_id: row.worker_id,
  uploaded_at: row.uploaded_at,
});

/** The file a record's bytes live in: one per (model, mode, sha256), shared by every job that uploaded them. */
export interface BundleKey {
  model: string;
  mode: string;
  sha256: string;
}

/** Records that still stand for their job: not superseded by its completion with another bundle. */
const LIVE = 'superseded_at IS NULL';

/**
 * The SQL of artifact records (`artifacts`, one row per stored (job, sha256))
 * and of `artifact_index_file`, the one row that stands for
 * `<models_dir>/index.jsonl`: its lock is the models dir's write lock, its
 * `bytes` the length of the file's committed lines. A superseded record is
 * kept as history but answered by none of the reads an API serves.
 */
export class ArtifactRecordsRepository {
  constructor(private readonly dialect: SqlDialect) {}

  /**
   * Locks the index file's row until the transaction ends and answers the
   * length of the file's committed lines. Every receiver takes this lock
   * before it places a bundle, records it or writes the file, so those steps
   * run one receiver at a time.
   */
  async lockIndexFile(sql: Sql): Promise<number> {
    const [row] = await sql.rows<{ bytes: number | string }>(
      `SELECT bytes FROM artifact_index_file WHERE id = 1${this.dialect.forUpdate}`,
    );
    if (!row) throw new Error('artifact_index_file has no row: the artifact-records migration did not run');
    return Number(row.bytes);
  }

  async setIndexFileBytes(sql: Sql, bytes: number): Promise<void> {
    await sql.run(`UPDATE artifact_index_file SET bytes = $1 WHERE id = 1`, [bytes]);
  }

  /** Records an upload unless (job_id, sha256) already is; answers whether this call created the row. */
  async insert(sql: Sql, r: ArtifactRecord): Promise<boolean> {
    const changed = await sql.run(
      `INSERT INTO artifacts (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (job_id, sha256) DO NOTHING`,
      [r.sha256, r.size, r.model, r.mode, r.job_id, r.worker_id, r.uploaded_at],
    );
    return changed === 1;
  }

  /**
   * A record that was superseded becomes its job's candidate again when the
   * job uploads the same bytes anew (a force-requeued job's new run); answers
   * whether it was superseded. Its index line is already there.
   */
  async revive(sql: Sql, jobId: string, sha256: string): Promise<boolean> {
    const changed = await sql.run(
      `UPDATE artifacts SET superseded_at = NULL WHERE job_id = $1 AND sha256 = $2 AND superseded_at IS NOT NULL`,
      [jobId, sha256],
    );
    return changed === 1;
  }

  async has(sql: Sql, jobId: string, sha256: string): Promise<boolean> {
    const rows = await sql.rows(
      `SELECT 1 AS found FROM artifacts WHERE job_id = $1 AND sha256 = $2 AND ${LIVE}`,
      [jobId, sha256],
    );
    return rows.length > 0;
  }

  /** How many live records the job has: its bundles since it last completed. */
  async liveCount(sql: Sql, jobId: string): Promise<number> {
    const [row] = await sql.rows<{ n: number | string }>(`SELECT COUNT(*) AS n FROM artifacts WHERE job_id = $1 AND ${LIVE}`, [jobId]);
    return Number(row.n);
  }

  /**
   * Marks every live record of the job but the one of `sha256` superseded;
   * answers the bundles they point at, which may have lost their last live
   * record.
   */
  async supersedeOthers(sql: Sql, jobId: string, sha256: string, at: string): Promise<BundleKey[]> {
    return sql.rows<BundleKey>(
      `UPDATE artifacts SET superseded_at = $3 WHERE job_id = $1 AND sha256 <> $2 AND ${LIVE}
       RETURNING model, mode, sha256`,
      [jobId, sha256, at],
    );
  }

  /** Whether a live record, of any job, points at this bundle's file. */
  async isLive(sql: Sql, bundle: BundleKey): Promise<boolean> {
    const rows = await sql.rows(
      `SELECT 1 AS found FROM artifacts WHERE sha256 = $1 AND model = $2 AND mode = $3 AND ${LIVE}`,
      [bundle.sha256, bundle.model, bundle.mode],
    );
    return rows.length > 0;
  }

  /** The bundles that only superseded records point at: files to remove where still on disk. */
  async unreferenced(sql: Sql): Promise<BundleKey[]> {
    return sql.rows<BundleKey>(
      `SELECT DISTINCT a.model, a.mode, a.sha256 FROM artifacts a
       WHERE a.superseded_at IS NOT NULL AND NOT EXISTS (
         SELECT 1 FROM artifacts l
         WHERE l.sha256 = a.sha256 AND l.model = a.model AND l.mode = a.mode AND l.${LIVE})
       ORDER BY a.model, a.mode, a.sha256`,
    );
  }

  /**
   * Every (job_id, sha256) recorded, superseded or not, as `job_id sha256`
   * strings: what an import can skip. A superseded record's line stays in
   * `index.jsonl`; it must not come back from there as a live record.
   */
  async keys(sql: Sql): Promise<Set<string>> {
    const rows = await sql.rows<{ job_id: string; sha256: string }>(`SELECT job_id, sha256 FROM artifacts`);
    return new Set(rows.map((r) => recordKey(r)));
  }

  /** Live records oldest first; uploads in the same millisecond in a fixed order. */
  async list(sql: Sql, filter: { model?: string; mode?: string }): Promise<ArtifactRecord[]> {
    const where: string[] = [LIVE];
    const params: string[] = [];
    if (filter.model !== undefined) where.push(`model = $${params.push(filter.model)}`);
    if (filter.mode !== undefined) where.push(`mode = $${params.push(filter.mode)}`);
    const rows = await sql.rows<ArtifactRow>(
      `SELECT ${COLUMNS} FROM artifacts WHERE ${where.join(' AND ')}
       ORDER BY uploaded_at, job_id, sha256`,
      params,
    );
    return rows.map(toRecord);
  }

  /** The live records of one bundle's bytes (one per job that uploaded them, per model and mode). */
  async withSha(sql: Sql, sha256: string): Promise<ArtifactRecord[]> {
    const rows = await sql.rows<ArtifactRow>(
      `SELECT ${COLUMNS} FROM artifacts WHERE sha256 = $1 AND ${LIVE} ORDER BY uploaded_at, job_id`,
      [sha256],
    );
    return rows.map(toRecord);
  }
}

export const recordKey = (r: { job_id: string; sha256: string }): string => `${r.job_id} ${r.sha256}`;
