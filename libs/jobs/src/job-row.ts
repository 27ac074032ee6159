import type { JobEvent, JobInput, JobRun, JobStatus, JobView } from '@cis490/contract';
import type { RunRow } from './runs.repository';

/** Columns that hold JSON text, and flags stored as 0/1 (the same SQL on SQLite and PostgreSQL). */
type JsonColumn = 'hyper' | 'train_hosts' | 'allowed_hosts' | 'metrics' | 'progress' | 'after' | 'retry_on_exit_codes';
type FlagColumn = 'require_cuda' | 'prefer_cuda' | 'in_manifest';

/**
 * A `jobs` row as the driver returns it: the API's view as stored, plus the
 * queue's order. The migrations define the table, and a test holds the rows
 * the queue writes to them. PostgreSQL hands back BIGINT and COUNT as
 * strings, hence the Number() calls when a row becomes a view.
 */
export type JobRow = Omit<JobView, JsonColumn | FlagColumn> & {
  seq: number;
  manifest_order: number;
  hyper: string;
  train_hosts: string;
  allowed_hosts: string;
  after: string;
  retry_on_exit_codes: string;
  metrics: string | null;
  progress: string | null;
  require_cuda: number;
  prefer_cuda: number;
  in_manifest: number;
  /** JSON: the ids of the jobs `after` names, each of which must be completed first (SPEC §10). */
  after_ids: string;
  /** The worker whose attempt failed may not claim the job again before `avoid_until` (SPEC §10). */
  avoid_worker_id: string | null;
  avoid_until: string | null;
  /** JSON array of the GPU indices the job holds on its worker; '[]' once it leaves it (SPEC §10). */
  gpu_indices: string;
  /** Times a worker shutting down released it; past `FREE_RELEASES` a release counts as an attempt. */
  releases: number;
};

/** A job leaving its worker for the queue: the next claim starts afresh. */
export const BACK_TO_PENDING: Partial<JobRow> = {
  status: 'pending',
  worker_id: null,
  claimed_at: null,
  heartbeat_at: null,
  started_at: null,
  finished_at: null,
  not_before: null,
  avoid_worker_id: null,
  avoid_until: null,
  gpu_indices: '[]',
};

export interface JobEventRow {
  id: number;
  job_id: string;
  at: string;
  from_status: JobStatus | null;
  to_status: JobStatus;
  worker_id: string | null;
  reason: string;
}

export type NewJobEvent = Omit<JobEventRow, 'id'>;

const nullableNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * The job as the API shows it. Given `now`, a `not_before` already past shows
 * as null: the job is claimable now (SPEC §10).
 */
export function toJobView(row: JobRow, now?: string): JobView {
  return {
    id: row.id,
    model: row.model,
    mode: row.mode,
    hyper: JSON.parse(row.hyper),
    split_recipe: row.split_recipe,
    train_hosts: JSON.parse(row.train_hosts),
    seed: Number(row.seed),
    // Stored as it takes effect (see effectiveConstraints).
    require_cuda: Number(row.require_cuda) === 1,
    prefer_cuda: Number(row.prefer_cuda) === 1,
    min_vram_gib: Number(row.min_vram_gib),
    min_ram_gib: Number(row.min_ram_gib),
    allowed_hosts: JSON.parse(row.allowed_hosts),
    gpus: Number(row.gpus),
    priority: Number(row.priority),
    max_attempts: Number(row.max_attempts),
    timeout_s: Number(row.timeout_s),
    name: row.name,
    after: JSON.parse(row.after),
    retry_on_exit_codes: JSON.parse(row.retry_on_exit_codes),
    retry_backoff_s: Number(row.retry_backoff_s),
    retry_backoff_max_s: Number(row.retry_backoff_max_s),
    status: row.status,
    attempts: Number(row.attempts),
    worker_id: row.worker_id,
    claimed_at: row.claimed_at,
    heartbeat_at: row.heartbeat_at,
    started_at: row.started_at,
    finished_at: row.finished_at,
    artifact_sha256: row.artifact_sha256,
    metrics: row.metrics === null ? null : JSON.parse(row.metrics),
    error: row.error,
    exit_code: nullableNumber(row.exit_code),
    log_tail: row.log_tail,
    in_manifest: Number(row.in_manifest) === 1,
    created_at: row.created_at,
    updated_at: row.updated_at,
    attempt: Number(row.attempt),
    progress: row.progress === null ? null : JSON.parse(row.progress),
    log_size: Number(row.log_size),
    not_before: row.not_before !== null && now !== undefined && row.not_before <= now ? null : row.not_before,
  };
}

/** A completed dependency as the job that runs after it reads it. */
export function toJobInput(row: JobRow): JobInput {
  return {
    job_id: row.id,
    name: row.name,
    model: row.model,
    mode: row.mode,
    seed: Number(row.seed),
    hyper: JSON.parse(row.hyper),
    artifact_sha256: row.artifact_sha256 as string,
  };
}

export function toJobEvent(row: JobEventRow): JobEvent {
  return { at: row.at, from: row.from_status, to: row.to_status, worker_id: row.worker_id, reason: row.reason };
}

/**
 * Every attempt of a job, oldest first: who claimed it and when come from its
 * claim events (the k-th most recent claim is attempt `latest - k + 1`), what
 * it wrote from its `job_runs` row, if it wrote anything.
 */
export function jobRuns(latest: number, events: JobEventRow[], rows: (RunRow & { points: number | string })[]): JobRun[] {
  const claims = events.filter((e) => e.to_status === 'claimed').slice(-latest);
  const first = latest - claims.length + 1;
  const wrote = new Map(rows.map((r) => [Number(r.attempt), r]));
  return Array.from({ length: latest }, (_, i) => {
    const attempt = i + 1;
    const claim = attempt >= first ? claims[attempt - first] : undefined;
    const row = wrote.get(attempt);
    return {
      attempt,
      worker_id: claim?.worker_id ?? null,
      claimed_at: claim?.at ?? null,
      log_size: Number(row?.log_size ?? 0),
      log_truncated: Number(row?.log_truncated ?? 0) === 1,
      progress_points: Number(row?.points ?? 0),
    };
  });
}
