export { Clock, SystemClock } from './clock';
export {
  AmbiguousJobIdError,
  ArtifactMissingError,
  AttemptNotFoundError,
  InvalidCursorError,
  InvalidProgressError,
  JobConflictError,
  JobNotFoundError,
  LogOffsetError,
} from './errors';
export { HeldClaims } from './held-claims';
export { JobFeed, type FeedChange } from './job-feed';
export { JOBS_OPTIONS, type JobsOptions } from './jobs.options';
export { JobsModule, type JobsModuleAsyncOptions } from './jobs.module';
export { ManifestLoader, type ManifestLoadOutcome } from './manifest.loader';
export { QueueService } from './queue.service';
export { ReceiverInstance } from './receiver-instance';
export { ResultsService } from './results.service';
export { type LogSlice, RunsService } from './runs.service';
export { StaleSweepService, type SweepResult } from './stale-sweep.service';
export { WorkersService, type OnlineWorker, type WorkerSighting } from './workers.service';
