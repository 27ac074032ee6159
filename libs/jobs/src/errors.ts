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

/** A log append that starts past the bytes the receiver has: the worker resends from `size`. */
export class LogOffsetError extends Error {
  constructor(
    readonly jobId: string,
    readonly size: number,
    offset: number,
  ) {
    super(`log of job ${jobId} has ${size} bytes; an append at offset ${offset} would leave a gap: resend from ${size}`);
    this.name = 'LogOffsetError';
  }
}

/** A progress point the receiver cannot store; the message names the point and its field. */
export class InvalidProgressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidProgressError';
  }
}

/** A job that exists but has no such attempt (or none yet). */
export class AttemptNotFoundError extends Error {
  constructor(jobId: string, attempt: number, latest: number) {
    super(
      latest === 0
        ? `job ${jobId} has not been claimed yet: it has no attempt ${attempt}`
        : `job ${jobId} has no attempt ${attempt}: its attempts are 1 to ${latest}`,
    );
    this.name = 'AttemptNotFoundError';
  }
}
