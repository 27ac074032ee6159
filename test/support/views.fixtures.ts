import type { JobView, ProgressPoint, WorkerView } from '@cis490/contract';
import { capability } from './capability.fixtures';

/** A job as the API serializes it: a running first attempt on lab1, unless told otherwise. */
export function jobView(over: Partial<JobView> = {}): JobView {
  return {
    id: '3f2a9c1d0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5',
    model: 'gbt',
    mode: 'realistic',
    hyper: { depth: 3 },
    split_recipe: 'default',
    train_hosts: [],
    seed: 0,
    require_cuda: false,
    prefer_cuda: false,
    min_vram_gib: 0,
    min_ram_gib: 0,
    allowed_hosts: [],
    gpus: 0,
    priority: 0,
    max_attempts: 3,
    timeout_s: 900,
    name: null,
    after: [],
    retry_on_exit_codes: [75, 137],
    retry_backoff_s: 30,
    retry_backoff_max_s: 3600,
    status: 'running',
    attempts: 1,
    worker_id: 'lab1',
    claimed_at: '2026-11-28T12:00:00.000Z',
    heartbeat_at: '2026-11-28T12:00:05.000Z',
    started_at: '2026-11-28T12:00:05.000Z',
    finished_at: null,
    artifact_sha256: null,
    metrics: null,
    error: null,
    exit_code: null,
    log_tail: null,
    in_manifest: true,
    created_at: '2026-11-28T11:00:00.000Z',
    updated_at: '2026-11-28T12:00:05.000Z',
    attempt: 1,
    progress: null,
    log_size: 0,
    not_before: null,
    ...over,
  };
}

export function progressPoint(over: Partial<ProgressPoint> = {}): ProgressPoint {
  return { at: '2026-11-28T12:01:00.000Z', step: 120, total: 1000, epoch: 2, message: null, values: {}, ...over };
}

/** A worker as `GET /v1/workers` lists it: lab1 online, idle. */
export function workerView(over: Partial<WorkerView> = {}): WorkerView {
  return {
    worker_id: 'lab1',
    hostname: 'lab1',
    capability: capability({ hostname: over.hostname ?? 'lab1' }),
    first_seen: '2026-11-28T11:00:00.000Z',
    last_seen: '2026-11-28T12:00:00.000Z',
    online: true,
    current_job_ids: [],
    slots: 1,
    current_jobs: [],
    ...over,
  };
}
