export { Clock, SystemClock } from './clock';
export { AmbiguousJobIdError, ArtifactMissingError, InvalidCursorError, JobConflictError, JobNotFoundError } from './errors';
export { JOBS_OPTIONS, type JobsOptions } from './jobs.options';
export { JobsModule, type JobsModuleAsyncOptions } from './jobs.module';
export { ManifestLoader, type ManifestLoadOutcome } from './manifest.loader';
export { QueueService } from './queue.service';
export { StaleSweepService, type SweepResult } from './stale-sweep.service';
export { WorkersService, type OnlineWorker, type WorkerSighting } from './workers.service';
