/**
 * The job API's JSON shapes (SPEC §3), shared by the receiver's DTOs and the
 * typed client used by the worker and the CLI.
 */
import type { Capability, FreeGpu } from './capability.types';
import type { JobRun, ProgressPoint } from './live.types';

export const JOB_STATUSES = ['pending', 'claimed', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** The fields that make a job's identity (SPEC §1 "Job ID"); the trainer reads them in job.json. */
export interface JobIdentity {
  model: string;
  mode: string;
  hyper: Record<string, unknown>;
  split_recipe: string;
  train_hosts: string[];
  seed: number;
}

/** Constraints that gate which worker may claim a job (SPEC §2 eligibility). */
export interface JobConstraints {
  /** As it takes effect: true when declared or when min_vram_gib > 0. */
  require_cuda: boolean;
  prefer_cuda: boolean;
  min_vram_gib: number;
  min_ram_gib: number;
  allowed_hosts: string[];
  /**
   * GPUs the job holds at once (SPEC §10); > 0 makes it need CUDA. Defaults
   * to 1 for a job that needs CUDA, else 0.
   */
  gpus: number;
}

/** How a job is retried and what it waits for (SPEC §10); none of it is identity. */
export interface JobScheduling {
  /** The `name` of its [[jobs]] or [[sweeps]] entry (a sweep's points share it), or null. */
  name: string | null;
  /** Names of the jobs and sweeps that must be completed before it may be claimed. */
  after: string[];
  /** A trainer exiting with one of these codes is retried while attempts are left. */
  retry_on_exit_codes: number[];
  /** The n-th retry waits retry_backoff_s * 2^(n-1) s, at most retry_backoff_max_s; 0 = at once. */
  retry_backoff_s: number;
  retry_backoff_max_s: number;
}

/** A job as serialized by the API. Timestamps are ISO-8601 UTC or null. */
export interface JobView extends JobIdentity, JobConstraints, JobScheduling {
  id: string;
  priority: number;
  max_attempts: number;
  timeout_s: number;
  status: JobStatus;
  attempts: number;
  worker_id: string | null;
  claimed_at: string | null;
  heartbeat_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  artifact_sha256: string | null;
  metrics: Record<string, unknown> | null;
  error: string | null;
  exit_code: number | null;
  log_tail: string | null;
  in_manifest: boolean;
  created_at: string;
  updated_at: string;
  /**
   * The current (latest) attempt's number, counting every claim of the job
   * and never reset, so no attempt's log or progress is ever overwritten;
   * 0 before the first claim. (`attempts` is what counts against max_attempts.)
   */
  attempt: number;
  /** The latest progress point of the current attempt, or null. */
  progress: ProgressPoint | null;
  /** Bytes of the current attempt's log. */
  log_size: number;
  /** A pending job waiting out a retry's backoff may not be claimed before this; null = claimable now. */
  not_before: string | null;
}

/** One recorded transition. `from` is null for the job's creation. */
export interface JobEvent {
  at: string;
  from: JobStatus | null;
  to: JobStatus;
  worker_id: string | null;
  reason: string;
}

/** `GET /v1/job/{id}`. */
export interface JobDetail extends JobView {
  events: JobEvent[];
  pending_reason: string | null;
  /** Every attempt so far, oldest first, with what there is to read of it. */
  runs: JobRun[];
}

export type JobCounts = Record<JobStatus, number>;

export interface JobListQuery {
  status?: JobStatus;
  model?: string;
  mode?: string;
  worker_id?: string;
  limit?: number;
  cursor?: string;
}

export interface JobPage {
  jobs: JobView[];
  counts: JobCounts;
  next_cursor: string | null;
}

export interface ClaimRequest {
  worker_id: string;
  hostname: string;
  capability: Capability;
  allow_jobs?: string[];
  deny_jobs?: string[];
  /** The GPUs free for this claim (SPEC §10); absent = every GPU of `capability.gpus`. */
  free_gpus?: FreeGpu[];
  /** How many jobs the worker runs at once; 1 when absent. */
  slots?: number;
}

/** A dependency's bundle a job gets as its input (SPEC §10 pipelines), as job.json lists it without `dir`. */
export interface JobInput {
  job_id: string;
  name: string | null;
  model: string;
  mode: string;
  seed: number;
  hyper: Record<string, unknown>;
  artifact_sha256: string;
}

export interface ClaimResponse {
  job: JobView;
  /** Indices of the free GPUs the job now holds; empty for a job with `gpus = 0`. */
  gpus: number[];
  heartbeat_interval_s: number;
  stale_after_s: number;
  /** The completed jobs this one runs after, whose bundles it reads (SPEC §10 pipelines). */
  inputs: JobInput[];
}

export interface HeartbeatRequest {
  worker_id: string;
  log_tail?: string;
}

export interface HeartbeatResponse {
  status: JobStatus;
  cancel: boolean;
}

export interface CompleteRequest {
  worker_id: string;
  artifact_sha256: string;
  metrics?: Record<string, unknown>;
}

export interface FailRequest {
  worker_id: string;
  error: string;
  exit_code?: number;
  log_tail?: string;
  retryable?: boolean;
  release?: boolean;
}

export interface RequeueRequest {
  force?: boolean;
}

export interface WorkerView {
  worker_id: string;
  hostname: string;
  capability: Capability;
  first_seen: string;
  last_seen: string;
  online: boolean;
  current_job_ids: string[];
  /** How many jobs the worker runs at once, as it last said. */
  slots: number;
  /** The jobs it holds now, with the GPU indices each was given. */
  current_jobs: { job_id: string; gpus: number[] }[];
}

export interface ReloadResult {
  added: number;
  updated: number;
  unchanged: number;
  orphaned: number;
  total: number;
  warnings: { path: string; message: string }[];
}

export interface HealthView {
  status: 'ok';
  version: string;
  uptime_s: number;
  db: 'ok';
  manifest: { path: string; loaded_at: string | null; jobs: number; error: string | null };
  counts: JobCounts;
}

/** `PUT /v1/model/{id}` answer. */
export interface UploadResult {
  sha256: string;
  size: number;
  /** Relative to the models dir. */
  path: string;
  deduplicated: boolean;
}

/** One `GET /v1/models` entry, and one line of `index.jsonl`. */
export interface ArtifactRecord {
  sha256: string;
  size: number;
  model: string;
  mode: string;
  job_id: string;
  worker_id: string;
  uploaded_at: string;
}
