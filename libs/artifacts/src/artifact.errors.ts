import { NAME_PATTERN } from '@cis490/contract';

/**
 * The artifact store's failures, free of HTTP: the receiver maps each class to
 * its status code in one filter.
 */

/** The body does not begin with the zstd magic number (HTTP 415). */
export class NotZstdError extends Error {
  constructor() {
    super('body is not a zstd stream: it does not begin with the zstd magic number 28 b5 2f fd');
    this.name = 'NotZstdError';
  }
}

/** The body is larger than the receiver accepts (HTTP 413). */
export class UploadTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`upload exceeds the limit of ${limitBytes} bytes (CIS490_MAX_UPLOAD_BYTES)`);
    this.name = 'UploadTooLargeError';
  }
}

/** The bytes received do not hash to the X-Content-SHA256 the worker announced (HTTP 422). */
export class DigestMismatchError extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`X-Content-SHA256 mismatch: expected ${expected}, received bytes hash to ${actual}`);
    this.name = 'DigestMismatchError';
  }
}

/** The job already holds as many uploaded bundles as it may (HTTP 409). */
export class TooManyBundlesError extends Error {
  constructor(jobId: string, limit: number) {
    super(
      `job ${jobId.slice(0, 12)} already holds ${limit} uploaded bundles that did not complete it: ` +
        'complete it with one of them, or requeue it after it fails',
    );
    this.name = 'TooManyBundlesError';
  }
}

/** The models dir cannot take the upload: unwritable, full, or otherwise failing (HTTP 507). */
export class StorageError extends Error {
  /** The OS error code, e.g. ENOSPC or EACCES, when there is one. */
  readonly code: string | undefined;

  constructor(action: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`artifact storage failed to ${action}: ${reason}`, { cause });
    this.name = 'StorageError';
    this.code = code;
  }
}

/** No stored bundle has this SHA-256 (HTTP 404). */
export class ArtifactNotFoundError extends Error {
  /** Takes the sha256 asked for, or a whole sentence to use as the message. */
  constructor(shaOrMessage: string) {
    super(/\s/.test(shaOrMessage) ? shaOrMessage : `no bundle with sha256 ${shaOrMessage}`);
    this.name = 'ArtifactNotFoundError';
  }
}

/** The client went away before the body ended; nobody is left to answer. */
export class UploadAbortedError extends Error {
  constructor(cause?: unknown) {
    super(`upload aborted by the client before the body ended${cause instanceof Error ? `: ${cause.message}` : ''}`, {
      cause,
    });
    this.name = 'UploadAbortedError';
  }
}

/** A model or mode name that could not be a single directory name inside the models dir (HTTP 400). */
export class InvalidArtifactNameError extends Error {
  constructor(field: 'model' | 'mode', value: string) {
    super(`${field} ${JSON.stringify(value)} is not a valid name (${NAME_PATTERN.source})`);
    this.name = 'InvalidArtifactNameError';
  }
}
