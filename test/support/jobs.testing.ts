import { Test, TestingModule } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { ArtifactsModule, ArtifactStore, ZSTD_MAGIC } from '@cis490/artifacts';
import {
  type Capability,
  type ClaimRequest,
  DEFAULT_MAX_LOG_BYTES,
  DEFAULT_MAX_PROGRESS_POINTS,
  type JobView,
} from '@cis490/contract';
import { Db, DbModule } from '@cis490/db';
import {
  Clock,
  JobsModule,
  type JobsOptions,
  ManifestLoader,
  QueueService,
  StaleSweepService,
  WorkersService,
} from '@cis490/jobs';
import { BUILTIN_DEFAULTS, type HostSpec, type JobSpec, type Manifest, ManifestModule, ManifestService } from '@cis490/manifest';
import { sha256 } from './bundles';
import { capability, cudaCapability } from './capability.fixtures';
import { jobConstraints } from './manifest.fixtures';

export { capability, cudaCapability, sha256 };

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
  const { model: _model, ...constraints } = jobConstraints({
    require_cuda: input.require_cuda,
    prefer_cuda: input.prefer_cuda,
    min_vram_gib: input.min_vram_gib,
    min_ram_gib: input.min_ram_gib,
    allowed_hosts: input.allowed_hosts,
    gpus: input.gpus,
  });
  return {
    id: input.id ?? createHash('sha256').update(JSON.stringify(identity)).digest('hex'),
    ...identity,
    ...constraints,
    priority: input.priority ?? 0,
    max_attempts: input.max_attempts ?? 3,
    timeout_s: input.timeout_s ?? 0,
    name: input.name ?? null,
    after: input.after ?? [],
    retry_on_exit_codes: input.retry_on_exit_codes ?? [75, 137],
    retry_backoff_s: input.retry_backoff_s ?? 30,
    retry_backoff_max_s: input.retry_backoff_max_s ?? 3600,
    manifest_order,
  };
}

/** A manifest of these jobs in this order; seeds default to the position so ids differ. */
export function manifestOf(jobs: JobInput[], hosts: Record<string, HostSpec> = {}): Manifest {
  const specs = jobs.map((j, i) => jobSpec({ seed: i, ...j }, i));
  const names: Record<string, string[]> = {};
  for (const spec of specs) if (spec.name !== null) (names[spec.name] ??= []).push(spec.id);
  return { defaults: { ...BUILTIN_DEFAULTS }, models: {}, hosts, jobs: specs, names };
}

/** Bytes the artifact store takes as a bundle (it checks the zstd magic number, not the frames). */
export function bundleBytes(content: string): Buffer {
  return Buffer.concat([ZSTD_MAGIC, Buffer.from(content)]);
}


export interface JobsHarness {
  module: TestingModule;
  queue: QueueService;
  workers: WorkersService;
  sweep: StaleSweepService;
  loader: ManifestLoader;
  manifest: ManifestService;
  artifacts: ArtifactStore;
  db: Db;
  clock: FakeClock;
  dataSource: DataSource;
  dataDir: string;
  /** A claim; answers the job handed out, or null. */
  claim(req: ClaimRequest): Promise<JobView | null>;
  /** A claim by `workerId` (on a CPU host of that name unless `cap` says otherwise) that must get a job. */
  mustClaim(workerId: string, cap?: Capability): Promise<JobView>;
  /** Puts these `[hosts.*]` entries in force, as if a manifest declaring them had loaded. */
  useHosts(hosts: HostSpec[]): void;
  /** Stores `bundle` as an artifact of `jobId`, as an upload would; answers its SHA-256. */
  storeBundle(jobId: string, bundle: Buffer): Promise<string>;
  close(): Promise<void>;
}

/**
 * The jobs module on a fresh SQLite file in a temp dir (or on `databaseUrl`,
 * a PostgreSQL database), migrations applied, with a fake clock.
 */
export async function startJobs(options: Partial<JobsOptions> = {}, databaseUrl?: string): Promise<JobsHarness> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cis490-jobs-'));
  const clock = new FakeClock();
  try {
    const module = await Test.createTestingModule({
      imports: [
        DbModule.forRootAsync({ useFactory: () => ({ dataDir, databaseUrl }) }),
        ManifestModule.forRootAsync({ useFactory: () => ({ path: path.join(dataDir, 'training_manifest.toml') }) }),
        ArtifactsModule.forStore({
          inject: [Db],
          useFactory: (db: Db) => ({ modelsDir: path.join(dataDir, 'models'), maxUploadBytes: 1024 ** 2, db }),
        }),
        JobsModule.forRootAsync({
          useFactory: () => ({
            staleAfterS: 600,
            heartbeatIntervalS: 30,
            logsDir: path.join(dataDir, 'logs'),
            maxLogBytes: DEFAULT_MAX_LOG_BYTES,
            maxProgressPoints: DEFAULT_MAX_PROGRESS_POINTS,
            ...options,
          }),
        }),
      ],
    })
      .overrideProvider(Clock)
      .useValue(clock)
      .compile();
    // Tests read outcomes, not log lines.
    module.useLogger(false);
    const queue = module.get(QueueService);
    const manifest = module.get(ManifestService);
    const artifacts = module.get(ArtifactStore);
    return {
      module,
      queue,
      workers: module.get(WorkersService),
      sweep: module.get(StaleSweepService),
      loader: module.get(ManifestLoader),
      manifest,
      artifacts,
      db: module.get(Db),
      clock,
      dataSource: module.get<DataSource>(getDataSourceToken()),
      dataDir,
      claim: async (req) => (await queue.claim(req))?.job ?? null,
      mustClaim: async (workerId, cap = capability({ hostname: workerId })) => {
        const answer = await queue.claim(claimRequest(workerId, cap));
        if (!answer) throw new Error(`setup: nothing for ${workerId} to claim`);
        return answer.job;
      },
      useHosts: (hosts) => {
        const manifest_ = manifestOf([], Object.fromEntries(hosts.map((h) => [h.hostname, h])));
        manifest.accept(manifest_, clock.now().toISOString(), 'hosts for a test', []);
      },
      storeBundle: async (jobId, bundle) =>
        (await artifacts.receive({ jobId, model: 'gbt', mode: 'realistic', workerId: 'w1', body: Readable.from([bundle]) }))
          .sha256,
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
