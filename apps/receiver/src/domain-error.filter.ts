import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  ArtifactNotFoundError,
  DigestMismatchError,
  InvalidArtifactNameError,
  NotZstdError,
  StorageError,
  UploadAbortedError,
  UploadTooLargeError,
} from '@cis490/artifacts';
import {
  AmbiguousJobIdError,
  ArtifactMissingError,
  AttemptNotFoundError,
  InvalidCursorError,
  InvalidProgressError,
  JobConflictError,
  JobNotFoundError,
  LogOffsetError,
} from '@cis490/jobs';
import { DatabaseBusyError } from '@cis490/db';
import { DatabaseUnavailableError } from './health.service';


type DomainError = Error & { matches?: string[] };

const STATUS = new Map<Function, HttpStatus>([
  [JobNotFoundError, HttpStatus.NOT_FOUND],
  [AttemptNotFoundError, HttpStatus.NOT_FOUND],
  [LogOffsetError, HttpStatus.CONFLICT],
  [InvalidProgressError, HttpStatus.BAD_REQUEST],
  [InvalidCursorError, HttpStatus.BAD_REQUEST],
  [AmbiguousJobIdError, HttpStatus.CONFLICT],
  [JobConflictError, HttpStatus.CONFLICT],
  [ArtifactMissingError, HttpStatus.UNPROCESSABLE_ENTITY],
  [NotZstdError, HttpStatus.UNSUPPORTED_MEDIA_TYPE],
  [UploadTooLargeError, HttpStatus.PAYLOAD_TOO_LARGE],
  [DigestMismatchError, HttpStatus.UNPROCESSABLE_ENTITY],
  [StorageError, HttpStatus.INSUFFICIENT_STORAGE],
  [ArtifactNotFoundError, HttpStatus.NOT_FOUND],
  [InvalidArtifactNameError, HttpStatus.BAD_REQUEST],
  // Nobody is left to read it, but the answer still must not be a 5xx.
  [UploadAbortedError, HttpStatus.BAD_REQUEST],
  [DatabaseUnavailableError, HttpStatus.SERVICE_UNAVAILABLE],
  [DatabaseBusyError, HttpStatus.SERVICE_UNAVAILABLE],
]);

/** Seconds a client is told to wait before trying again after a 503. */
const RETRY_AFTER_S = 5;

const REASON: Partial<Record<HttpStatus, string>> = {
  [HttpStatus.BAD_REQUEST]: 'Bad Request',
  [HttpStatus.NOT_FOUND]: 'Not Found',
  [HttpStatus.CONFLICT]: 'Conflict',
  [HttpStatus.UNPROCESSABLE_ENTITY]: 'Unprocessable Entity',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'Unsupported Media Type',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'Payload Too Large',
  [HttpStatus.INSUFFICIENT_STORAGE]: 'Insufficient Storage',
  [HttpStatus.SERVICE_UNAVAILABLE]: 'Service Unavailable',
};

/** Maps the libraries' domain errors to HTTP answers in the NestJS error shape, in one place. */
@Catch(...STATUS.keys())
export class DomainErrorFilter implements ExceptionFilter {
  catch(error: DomainError, host: ArgumentsHost): void {
    const statusCode =
      [...STATUS].find(([type]) => error instanceof type)?.[1] ?? HttpStatus.INTERNAL_SERVER_ERROR;
    const body: Record<string, unknown> = { statusCode, error: REASON[statusCode], message: error.message };
    if (error.matches) body.matches = error.matches;
    if (error instanceof LogOffsetError) body.size = error.size;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (statusCode === HttpStatus.SERVICE_UNAVAILABLE) reply.header('retry-after', String(RETRY_AFTER_S));
    void reply.status(statusCode).send(body);
  }
}
