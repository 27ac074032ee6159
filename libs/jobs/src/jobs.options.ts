export const JOBS_OPTIONS = Symbol('JOBS_OPTIONS');

export interface JobsOptions {
  /** A claimed/running job whose last heartbeat is older than this goes back to the queue. */
  staleAfterS: number;
  /** Told to workers; a worker seen within 3 × this is online. */
  heartbeatIntervalS: number;
}
