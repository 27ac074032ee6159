import { Inject, Injectable } from '@nestjs/common';
import type { Capability, WorkerView } from '@cis490/contract';
import { Db } from '@cis490/db';
import { Clock } from './clock';
import { JOBS_OPTIONS, JobsOptions } from './jobs.options';
import { QueueRepository } from './queue.repository';
import { WorkerRow, WorkersRepository } from './workers.repository';

/** What a worker tells the receiver about itself when it claims. */
export interface WorkerSighting {
  hostname: string;
  capability: Capability;
  /** The worker's own model policy, sent with each claim. */
  allow_jobs?: string[];
  deny_jobs?: string[];
  /** How many jobs it runs at once; 1 when it does not say. */
  slots?: number;
}

/** An online worker with what eligibility needs to judge it. */
export interface OnlineWorker extends WorkerSighting {
  worker_id: string;
}

/** A worker polls at least every heartbeat interval; three missed polls and it counts as gone. */
const ONLINE_INTERVALS = 3;

@Injectable()
export class WorkersService {
  constructor(
    private readonly db: Db,
    private readonly repo: WorkersRepository,
    private readonly jobs: QueueRepository,
    private readonly clock: Clock,
    @Inject(JOBS_OPTIONS) private readonly options: JobsOptions,
  ) {}

  /**
   * Records a worker as seen now. With a sighting the worker's description is
   * stored or refreshed; without one only `last_seen` moves, and a worker
   * never described is not recorded. The queue's own worker requests do this
   * inside their transactions; this is for the other cases.
   */
  async touch(workerId: string, seen?: WorkerSighting): Promise<void> {
    await this.db.write(async (sql) => {
      const now = this.clock.now().toISOString();
      if (!seen) {
        await this.repo.touch(sql, workerId, now);
        return;
      }
      await this.repo.upsert(sql, workerRow(workerId, seen, now));
    });
  }

  async list(): Promise<WorkerView[]> {
    const onlineSince = this.onlineSince();
    const [workers, active] = await this.db.read(
      async (sql) => [await this.repo.find(sql), await this.jobs.findActiveJobs(sql)] as const,
    );
    const jobsOf = new Map<string, WorkerView['current_jobs']>();
    for (const job of active) {
      const held = { job_id: job.id, gpus: job.gpu_indices === '[]' ? [] : (JSON.parse(job.gpu_indices) as number[]) };
      const list = jobsOf.get(job.worker_id);
      if (list) list.push(held);
      else jobsOf.set(job.worker_id, [held]);
    }
    return workers.map((w) => ({
      worker_id: w.worker_id,
      hostname: w.hostname,
      capability: JSON.parse(w.capability),
      first_seen: w.first_seen,
      last_seen: w.last_seen,
      online: w.last_seen >= onlineSince,
      current_job_ids: (jobsOf.get(w.worker_id) ?? []).map((j) => j.job_id),
      slots: Number(w.slots),
      current_jobs: jobsOf.get(w.worker_id) ?? [],
    }));
  }

  async online(): Promise<OnlineWorker[]> {
    const rows = await this.db.read((sql) => this.repo.find(sql, this.onlineSince()));
    return rows.map(toOnlineWorker);
  }

  private onlineSince(): string {
    const windowMs = ONLINE_INTERVALS * this.options.heartbeatIntervalS * 1000;
    return new Date(this.clock.now().getTime() - windowMs).toISOString();
  }
}

/** The row a sighting stores; `first_seen` is kept by the upsert when the worker is known. */
export function workerRow(workerId: string, seen: WorkerSighting, now: string): WorkerRow {
  return {
    worker_id: workerId,
    hostname: seen.hostname,
    capability: JSON.stringify(seen.capability),
    allow_jobs: seen.allow_jobs ? JSON.stringify(seen.allow_jobs) : null,
    deny_jobs: seen.deny_jobs ? JSON.stringify(seen.deny_jobs) : null,
    first_seen: now,
    last_seen: now,
    slots: seen.slots ?? 1,
  };
}

function toOnlineWorker(row: WorkerRow): OnlineWorker {
  return {
    worker_id: row.worker_id,
    hostname: row.hostname,
    capability: JSON.parse(row.capability),
    ...(row.allow_jobs !== null && { allow_jobs: JSON.parse(row.allow_jobs) }),
    ...(row.deny_jobs !== null && { deny_jobs: JSON.parse(row.deny_jobs) }),
  };
}
