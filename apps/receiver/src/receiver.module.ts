import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService, registerAs } from '@nestjs/config';
import { APP_FILTER } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { join } from 'node:path';
import { ArtifactsModule } from '@cis490/artifacts';
import { AuthTokens, CertificateIdentityGuard, OperatorGuard, WorkerGuard } from '@cis490/auth';
import { Db, DbModule } from '@cis490/db';
import { JobsModule } from '@cis490/jobs';
import { ManifestModule } from '@cis490/manifest';
import { ReceiverConfig } from './config/receiver.config';
import { DashboardModule } from './dashboard/dashboard.module';
import { ErrorAnswerFilter } from './error-answer.filter';
import { EventsController } from './events/events.controller';
import { EventsService } from './events/events.service';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';
import { JobsController } from './jobs.controller';
import { ManifestController } from './manifest.controller';
import { MetricsService } from './metrics.service';
import { ModelsController } from './models.controller';
import { ResultsController } from './results.controller';
import { RunsController } from './runs.controller';
import { StaleSweepScheduler } from './stale-sweep.scheduler';
import { UploadService } from './upload/upload.service';
import { WorkersController } from './workers.controller';

const RECEIVER = 'receiver';

/** The validated configuration, as every module of the receiver reads it. */
const fromConfig = <T>(pick: (config: ReceiverConfig) => T) => ({
  inject: [ConfigService],
  useFactory: (config: ConfigService) => pick(config.getOrThrow<ReceiverConfig>(RECEIVER)),
});

@Module({})
export class ReceiverModule {
  /** `config` comes validated from `loadReceiverConfig` (SPEC §4): a bad variable never gets this far. */
  static forRoot(config: ReceiverConfig): DynamicModule {
    return {
      module: ReceiverModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          skipProcessEnv: true,
          load: [registerAs(RECEIVER, () => config)],
        }),
        ScheduleModule.forRoot(),
        DbModule.forRootAsync(fromConfig((c) => ({ dataDir: c.dataDir, databaseUrl: c.databaseUrl }))),
        ManifestModule.forRootAsync(fromConfig((c) => ({ path: c.manifestPath }))),
        ArtifactsModule.forStore({
          inject: [ConfigService, Db],
          useFactory: (config: ConfigService, db: Db) => {
            const c = config.getOrThrow<ReceiverConfig>(RECEIVER);
            return { modelsDir: join(c.dataDir, 'models'), maxUploadBytes: c.maxUploadBytes, db };
          },
        }),
        JobsModule.forRootAsync(
          fromConfig((c) => ({
            staleAfterS: c.staleAfterS,
            heartbeatIntervalS: c.heartbeatIntervalS,
            logsDir: join(c.dataDir, 'logs'),
            maxLogBytes: c.maxLogBytes,
            maxProgressPoints: c.maxProgressPoints,
          })),
        ),
        DashboardModule,
      ],
      controllers: [
        JobsController,
        RunsController,
        EventsController,
        ResultsController,
        ModelsController,
        WorkersController,
        ManifestController,
        HealthController,
      ],
      providers: [
        { provide: ReceiverConfig, ...fromConfig((c) => c) },
        { provide: AuthTokens, useExisting: ReceiverConfig },
        { provide: APP_FILTER, useClass: ErrorAnswerFilter },
        OperatorGuard,
        WorkerGuard,
        CertificateIdentityGuard,
        MetricsService,
        EventsService,
        HealthService,
        UploadService,
        StaleSweepScheduler,
      ],
    };
  }
}
