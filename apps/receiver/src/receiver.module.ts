import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { join } from 'node:path';
import { ArtifactStore } from '@cis490/artifacts';
import { AuthTokens, OperatorGuard, WorkerGuard } from '@cis490/auth';
import { JobsModule, databaseOptions } from '@cis490/jobs';
import { ReceiverConfig } from './config/receiver.config';
import { DomainErrorFilter } from './domain-error.filter';
import { HealthController } from './health.controller';
import { JobsController } from './jobs.controller';
import { ManifestController } from './manifest.controller';
import { ManifestLoader } from './manifest.loader';
import { MetricsService } from './metrics.service';
import { ModelsController } from './models.controller';
import { StaleSweepScheduler } from './stale-sweep.scheduler';
import { WorkersController } from './workers.controller';

@Module({})
export class ReceiverModule {
  static forRoot(config: ReceiverConfig): DynamicModule {
    return {
      module: ReceiverModule,
      imports: [
        ScheduleModule.forRoot(),
        TypeOrmModule.forRoot(databaseOptions({ dataDir: config.dataDir, databaseUrl: config.databaseUrl })),
        JobsModule.forRootAsync({
          useFactory: () => ({
            staleAfterS: config.staleAfterS,
            heartbeatIntervalS: config.heartbeatIntervalS,
            manifestPath: config.manifestPath,
          }),
        }),
      ],
      controllers: [JobsController, ModelsController, WorkersController, ManifestController, HealthController],
      providers: [
        { provide: ReceiverConfig, useValue: config },
        { provide: AuthTokens, useValue: config },
        {
          provide: ArtifactStore,
          useFactory: async () => {
            const store = new ArtifactStore({
              modelsDir: join(config.dataDir, 'models'),
              maxUploadBytes: config.maxUploadBytes,
            });
            await store.init();
            return store;
          },
        },
        { provide: APP_FILTER, useClass: DomainErrorFilter },
        OperatorGuard,
        WorkerGuard,
        MetricsService,
        ManifestLoader,
        StaleSweepScheduler,
      ],
    };
  }
}
