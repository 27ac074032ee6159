import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Clock, SystemClock } from './clock';
import { JOBS_ENTITIES } from './entities';
import { JOBS_OPTIONS, JobsOptions } from './jobs.options';
import { ManifestState } from './manifest-state';
import { ManifestService } from './manifest.service';
import { QueueRepository } from './queue.repository';
import { QueueService } from './queue.service';
import { StaleSweepService } from './stale-sweep.service';
import { WorkersService } from './workers.service';

export interface JobsModuleAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: any[];
  useFactory: (...args: any[]) => JobsOptions | Promise<JobsOptions>;
}

const EXPORTED = [QueueService, WorkersService, StaleSweepService, ManifestService, Clock];

/**
 * The queue. The application sets up `TypeOrmModule.forRoot(databaseOptions(…))`
 * itself; `Clock` is `SystemClock` unless a test overrides it.
 */
@Module({})
export class JobsModule {
  static forRootAsync(options: JobsModuleAsyncOptions): DynamicModule {
    return {
      module: JobsModule,
      imports: [...(options.imports ?? []), TypeOrmModule.forFeature(JOBS_ENTITIES)],
      providers: [
        { provide: JOBS_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] },
        { provide: Clock, useClass: SystemClock },
        QueueRepository,
        ManifestState,
        QueueService,
        WorkersService,
        StaleSweepService,
        ManifestService,
      ],
      exports: [...EXPORTED, JOBS_OPTIONS],
    };
  }

  static register(options: JobsOptions): DynamicModule {
    return JobsModule.forRootAsync({ useFactory: () => options });
  }
}
