export const JOBS_OPTIONS = Symbol('JOBS_OPTIONS');

export interface JobsOptions {
  /** A claimed/running job whose last heartbeat is older than this goes back to the queue. */
  staleAfterS: number;
  /** Told to workers; a worker seen within 3 × this is online. */
  heartbeatIntervalS: number;
  /** Trainer logs: `<logsDir>/<job id>/<attempt>.log`. */
  logsDir: string;
  /** Bytes kept per attempt's log (SPEC §9 `CIS490_MAX_LOG_BYTES`). */
  maxLogBytes: number;
  /** Progress points kept per attempt, evenly thinned past that (`CIS490_MAX_PROGRESS_POINTS`). */
  maxProgressPoints: number;
}
