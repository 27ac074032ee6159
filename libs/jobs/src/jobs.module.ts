import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { Clock, SystemClock } from './clock';
import { JOBS_OPTIONS, JobsOptions } from './jobs.options';
import { FeedRelay } from './feed-relay';
import { HeldClaims } from './held-claims';
import { JobFeed } from './job-feed';
import { LeasesRepository } from './leases.repository';
import { LogStore } from './log-store';
import { ManifestStateRepository } from './manifest-state.repository';
import { ManifestLoader } from './manifest.loader';
import { QueueRepository } from './queue.repository';
import { QueueService } from './queue.service';
import { ReceiverInstance } from './receiver-instance';
import { ResultsService } from './results.service';
import { RunsRepository } from './runs.repository';
import { RunsService } from './runs.service';
import { StaleSweepService } from './stale-sweep.service';
import { WorkersRepository } from './workers.repository';
import { WorkersService } from './workers.service';

export interface JobsModuleAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: any[];
  useFactory: (...args: any[]) => JobsOptions | Promise<JobsOptions>;
}

/**
 * The job lifecycle. Needs `Db` (DbModule), `ManifestService` (ManifestModule)
 * and `ArtifactStore` (ArtifactsModule.forStore) from the app; `Clock` is
 * `SystemClock` unless a test overrides it. Loads the manifest at start.
 */
@Module({})
export class JobsModule {
  static forRootAsync(options: JobsModuleAsyncOptions): DynamicModule {
    return {
      module: JobsModule,
      imports: options.imports ?? [],
      providers: [
        { provide: JOBS_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] },
        { provide: Clock, useClass: SystemClock },
        ReceiverInstance,
        LeasesRepository,
        ManifestStateRepository,
        QueueRepository,
        RunsRepository,
        JobFeed,
        FeedRelay,
        LogStore,
        RunsService,
        HeldClaims,
        ResultsService,
        WorkersRepository,
        QueueService,
        WorkersService,
        StaleSweepService,
        ManifestLoader,
      ],
      exports: [QueueService, HeldClaims, WorkersService, StaleSweepService, ManifestLoader, RunsService, ResultsService, JobFeed, Clock],
    };
  }
}
