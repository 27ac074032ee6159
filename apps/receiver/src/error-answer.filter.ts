import { ArgumentsHost, Catch, HttpException, HttpStatus } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { STATUS_CODES } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  ArtifactNotFoundError,
  DigestMismatchError,
  InvalidArtifactNameError,
  NotZstdError,
  StorageError,
  TooManyBundlesError,
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
  [TooManyBundlesError, HttpStatus.CONFLICT],
  [ArtifactNotFoundError, HttpStatus.NOT_FOUND],
  [InvalidArtifactNameError, HttpStatus.BAD_REQUEST],
  // Nobody is left to read it, but the answer still must not be a 5xx.
  [UploadAbortedError, HttpStatus.BAD_REQUEST],
  [DatabaseUnavailableError, HttpStatus.SERVICE_UNAVAILABLE],
  [DatabaseBusyError, HttpStatus.SERVICE_UNAVAILABLE],
]);

/** Seconds a client is told to wait before trying again after a 503. */
const RETRY_AFTER_S = 5;

/** What Fastify refuses before a route runs (a `FST_` code and a status), as Nest hands it on: the cause of an HttpException. */
type FastifyError = Error & { code: string; statusCode: number };
const isFastifyError = (error: unknown): error is FastifyError =>
  error instanceof Error && typeof (error as FastifyError).code === 'string' &&
  (error as FastifyError).code.startsWith('FST_') && typeof (error as FastifyError).statusCode === 'number';

/** Fastify's own sentences, where one can say more about what to send instead. */
function fastifyMessage(error: FastifyError, request: FastifyRequest): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'a JSON body may be at most 1 MiB';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return `content-type ${request.headers['content-type'] ?? '(none)'} is not accepted here: send application/json`;
    default:
      return error.message;
  }
}

/**
 * Every error answer in NestJS's shape `{statusCode, error, message}` (SPEC
 * §3), in one place: the libraries' domain errors mapped to their status, and
 * what Fastify refuses before a route runs (a body too large, of another media
 * type, not JSON), which Nest would otherwise answer without `error`. Nest's
 * own exceptions already have the shape.
 */
@Catch()
export class ErrorAnswerFilter extends BaseExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const refused = error instanceof HttpException ? error.cause : undefined;
    if (isFastifyError(refused)) {
      const { statusCode } = refused;
      void reply.status(statusCode).send({ statusCode, error: STATUS_CODES[statusCode], message: fastifyMessage(refused, http.getRequest()) });
      return;
    }
    const statusCode = [...STATUS].find(([type]) => error instanceof type)?.[1];
    if (statusCode === undefined) return super.catch(error, host);
    const { message, matches } = error as DomainError;
    const body: Record<string, unknown> = { statusCode, error: STATUS_CODES[statusCode], message };
    if (matches) body.matches = matches;
    if (error instanceof LogOffsetError) body.size = error.size;
    if (statusCode === HttpStatus.SERVICE_UNAVAILABLE) reply.header('retry-after', String(RETRY_AFTER_S));
    void reply.status(statusCode).send(body);
  }
}
