/**
 * Watching the fleet (SPEC §9): trainer logs and progress, the event stream,
 * the leaderboard. Shared by the receiver, the worker, the CLI and the
 * dashboard.
 */
import type { JobCounts, JobView, WorkerView } from './job.types';

/** One progress point as stored and served, oldest first. */
export interface ProgressPoint {
  at: string;
  step: number | null;
  total: number | null;
  epoch: number | null;
  message: string | null;
  /** Every other key of the trainer's line whose value is a finite number: a metric series. */
  values: Record<string, number>;
}

/** `POST /v1/job/{id}/log`: `text` continues the current attempt's log at byte `offset` (UTF-8). */
export interface LogAppendRequest {
  worker_id: string;
  offset: number;
  text: string;
}

/** The log's size in bytes after the append; `truncated` once the log reached its cap (and later text was dropped). */
export interface LogAppendResponse {
  size: number;
  truncated?: boolean;
}

/** `POST /v1/job/{id}/progress`: 1–1000 points, each a trainer line's object, optionally with `at`. */
export interface ProgressRequest {
  worker_id: string;
  points: Record<string, unknown>[];
}

export interface ProgressResponse {
  stored: number;
}

/** `GET /v1/job/{id}/progress`. */
export interface JobProgress {
  attempt: number;
  points: ProgressPoint[];
}

/** One attempt of a job as `GET /v1/job/{id}` lists it in `runs`: what there is to read of it. */
export interface JobRun {
  attempt: number;
  worker_id: string | null;
  claimed_at: string | null;
  log_size: number;
  log_truncated: boolean;
  progress_points: number;
}

export type ResultsOrder = 'asc' | 'desc';

export interface ResultsQuery {
  model: string;
  mode?: string;
  metric?: string;
  order?: ResultsOrder;
  limit?: number;
}

export interface ResultRow {
  job_id: string;
  mode: string;
  seed: number;
  hyper: Record<string, unknown>;
  metrics: Record<string, unknown> | null;
  artifact_sha256: string | null;
  finished_at: string | null;
  worker_id: string | null;
}

/** `GET /v1/results`; `metric` is null when no completed job has a numeric metric. */
export interface ResultsView {
  model: string;
  metric: string | null;
  order: ResultsOrder;
  results: ResultRow[];
}

/** The `event:` names of `GET /v1/events`, and what each one's `data:` holds. */
export interface FleetEvents {
  job: JobView;
  worker: WorkerView;
  counts: JobCounts;
  /** Refetch everything: what was missed is no longer held, or too much changed at once. */
  reset: { reason: string };
}

export type FleetEventName = keyof FleetEvents;

export interface FleetEvent<K extends FleetEventName = FleetEventName> {
  id: number;
  event: K;
  data: FleetEvents[K];
}
