/**
 * Domain errors of the queue. They carry no HTTP: the receiver maps them to
 * status codes in one exception filter (404, 409, 409, 422, 400).
 */

/** Unknown id, or a prefix shorter than 8 characters or not hex. */
export class JobNotFoundError extends Error {
  constructor(
    readonly idOrPrefix: string,
    detail?: string,
  ) {
    super(detail ? `job ${idOrPrefix} not found: ${detail}` : `job ${idOrPrefix} not found`);
    this.name = 'JobNotFoundError';
  }
}

/** A prefix that matches more than one job. */
export class AmbiguousJobIdError extends Error {
  constructor(
    readonly prefix: string,
    readonly matches: string[],
  ) {
    super(`job id prefix ${prefix} is ambiguous: it matches ${matches.join(', ')}`);
    this.name = 'AmbiguousJobIdError';
  }
}

/** A transition not allowed from the job's current state, or a job that is not this worker's. */
export class JobConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobConflictError';
  }
}

/** `complete` named an artifact that was never uploaded for this job. */
export class ArtifactMissingError extends Error {
  constructor(
    readonly jobId: string,
    readonly sha256: string,
  ) {
    super(`no artifact ${sha256} was uploaded for job ${jobId}`);
    this.name = 'ArtifactMissingError';
  }
}

/** A `GET /v1/jobs` cursor that this receiver did not hand out. */
export class InvalidCursorError extends Error {
  constructor(readonly cursor: string) {
    super(`cursor is not valid: ${cursor}`);
    this.name = 'InvalidCursorError';
  }
}
