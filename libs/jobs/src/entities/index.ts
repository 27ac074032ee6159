import { JobEventEntity } from './job-event.entity';
import { JobEntity } from './job.entity';
import { WorkerEntity } from './worker.entity';

export { JobEntity, JobEventEntity, WorkerEntity };

export const JOBS_ENTITIES = [JobEntity, JobEventEntity, WorkerEntity];
