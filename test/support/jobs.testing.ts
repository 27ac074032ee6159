import { Test, TestingModule } from '@nestjs/testing';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DataSource } from 'typeorm';
import type { Capability, ClaimRequest } from '@cis490/contract';
import type { HostSpec, JobSpec, Manifest } from '@cis490/manifest';
import {
  Clock,
  databaseOptions,
  JobsModule,
  type JobsOptions,
  ManifestService,
  QueueService,
  StaleSweepService,
  WorkersService,
} from '@cis490/jobs';

/** A clock that moves only when told to. */
export class FakeClock extends Clock {
  private ms: number;

  constructor(start = '2026-01-05T09:00:00.000Z') {
    super();
    this.ms = Date.parse(start);
  }

  now(): Date {
    return new Date(this.ms);
  }

  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

export function capability(overrides: Partial<Capability> = {}): Capability {
  return {
    hostname: 'lab1',
    cores: 8,
    ram_gib: 32,
    cuda: false,
    vram_gib: 0,
    gpus: [],
    torch_version: null,
    git_commit: null,
    platform: 'linux',
    arch: 'x64',
    ...overrides,
  };
}

export function cudaCapability(vram_gib = 24, overrides: Partial<Capability> = {}): Capability {
  return capability({ cuda: true, vram_gib, gpus: [{ name: 'RTX 4090', vram_gib }], ...overrides });
}

/** A claim from worker `worker_id` on host `hostname` (also the worker's own hostname). */
export function claimRequest(worker_id: string, cap: Capability, extra: Partial<ClaimRequest> = {}): ClaimRequest {
  return { worker_id, hostname: cap.hostname, capability: cap, ...extra };
}

type JobInput = Partial<Omit<JobSpec, 'manifest_order'>>;

/** A job; its id is derived from its identity fields unless given. */
export function jobSpec(input: JobInput = {}, manifest_order = 0): JobSpec {
  const identity = {
    model: input.model ?? 'gbt',
    mode: input.mode ?? 'realistic',
    hyper: input.hyper ?? {},
    split_recipe: input.split_recipe ?? 'default',
    train_hosts: input.train_hosts ?? [],
    seed: input.seed ?? 0,
  };
  const min_vram_gib = input.min_vram_gib ?? 0;
  return {
    id: input.id ?? createHash('sha256').update(JSON.stringify(identity)).digest('hex'),
    ...identity,
    require_cuda: (input.require_cuda ?? false) || min_vram_gib > 0,
    prefer_cuda: input.prefer_cuda ?? false,
    min_vram_gib,
    min_ram_gib: input.min_ram_gib ?? 0,
    allowed_hosts: input.allowed_hosts ?? [],
    priority: input.priority ?? 0,
    max_attempts: input.max_attempts ?? 3,
    timeout_s: input.timeout_s ?? 0,
    manifest_order,
  };
}

/** A manifest of these jobs in this order; seeds default to the position so ids differ. */
export function manifestOf(jobs: JobInput[], hosts: Record<string, HostSpec> = {}): Manifest {
  return {
    defaults: { max_attempts: 3, priority: 0, timeout_s: 0 },
    models: {},
    hosts,
    jobs: jobs.map((j, i) => jobSpec({ seed: i, ...j }, i)),
  };
}

export interface JobsHarness {
  module: TestingModule;
  queue: QueueService;
  workers: WorkersService;
  sweep: StaleSweepService;
  manifest: ManifestService;
  clock: FakeClock;
  dataSource: DataSource;
  dataDir: string;
  close(): Promise<void>;
}

/** The jobs module on a fresh SQLite file in a temp dir, migrations applied, with a fake clock. */
export async function startJobs(options: Partial<JobsOptions> = {}): Promise<JobsHarness> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cis490-jobs-'));
  const clock = new FakeClock();
  try {
    const module = await Test.createTestingModule({
      imports: [
        TypeOrmModule.forRoot(databaseOptions({ dataDir })),
        JobsModule.register({
          staleAfterS: 600,
          heartbeatIntervalS: 30,
          manifestPath: path.join(dataDir, 'training_manifest.toml'),
          ...options,
        }),
      ],
    })
      .overrideProvider(Clock)
      .useValue(clock)
      .compile();
    return {
      module,
      queue: module.get(QueueService),
      workers: module.get(WorkersService),
      sweep: module.get(StaleSweepService),
      manifest: module.get(ManifestService),
      clock,
      dataSource: module.get<DataSource>(getDataSourceToken()),
      dataDir,
      close: async () => {
        await module.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}
