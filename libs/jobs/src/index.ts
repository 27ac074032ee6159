export { Clock, SystemClock } from './clock';
export { databaseOptions, SQLITE_FILE_NAME } from './database';
export { JobEntity, JobEventEntity, WorkerEntity, JOBS_ENTITIES } from './entities';
export { JOBS_MIGRATIONS } from './migrations';
export {
  AmbiguousJobIdError,
  ArtifactMissingError,
  InvalidCursorError,
  JobConflictError,
  JobNotFoundError,
} from './errors';
export { JOBS_OPTIONS } from './jobs.options';
export type { JobsOptions } from './jobs.options';
export { JobsModule } from './jobs.module';
export type { JobsModuleAsyncOptions } from './jobs.module';
export { ManifestService, formatIssue } from './manifest.service';
export type { ManifestLoadOutcome, ManifestStatus } from './manifest.service';
export { QueueService } from './queue.service';
export { StaleSweepService } from './stale-sweep.service';
export type { SweepResult } from './stale-sweep.service';
export { WorkersService } from './workers.service';
export type { OnlineWorker, WorkerSighting } from './workers.service';
