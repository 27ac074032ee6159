import { applyDecorators, type Type, UseGuards } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { ApiExtraModels, ApiResponse, ApiSecurity, getSchemaPath } from '@nestjs/swagger';
import { CertificateIdentityGuard, OperatorGuard, WorkerGuard } from '@cis490/auth';
import { AmbiguousJobIdAnswerDto, ErrorAnswerDto } from '../dto/error.dto';

/**
 * What an endpoint can answer besides its success, declared where the
 * answer's cause lives: the kind of endpoint (who may call it, whether it
 * reads a body, touches the database or names a job) and the route's own
 * rules. The document is what generated clients and the validation proxy in
 * the tests believe, so an answer missing here is a lie told to both.
 */
export interface Answer {
  description: string;
  /** The body's schema; the NestJS error shape unless said. */
  type?: Type<unknown>;
}
export type Answers = Partial<Record<400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 503 | 507, Answer>>;

/** Any endpoint that reads or writes the database. */
const DATABASE: Answers = {
  503: { description: 'the database is busy or unusable: try again after Retry-After seconds' },
};

/** Endpoints that take a JSON body. */
const JSON_BODY: Answers = {
  400: { description: 'the body does not validate (message lists each field) or is not well-formed JSON' },
  413: { description: 'a JSON body over 1 MiB' },
  415: { description: 'a body that is not application/json' },
};

/** Query strings checked by their DTO. */
export const QUERY: Answers = {
  400: { description: 'a query parameter does not validate: message names it' },
};

/** Routes whose `{id}` is a job id or prefix. */
export const JOB: Answers = {
  404: { description: 'no job matches: a full id, or a unique prefix of at least 8 hex characters' },
  409: { type: AmbiguousJobIdAnswerDto, description: 'the prefix matches several jobs, listed in matches' },
};

const WORKER_AUTH: Answers = {
  401: { description: 'the worker token is missing or wrong (only when the receiver has CIS490_WORKER_TOKEN)' },
  403: { description: 'under mTLS: worker_id, hostname or X-Worker-Id is not a name of the client certificate' },
};

const OPERATOR_AUTH: Answers = {
  401: { description: 'X-Operator-Token is missing or wrong' },
  403: { description: 'the receiver has no CIS490_OPERATOR_TOKEN: operator endpoints are off' },
};

/** A worker's call: the Bearer token is required only when the receiver is configured with one. */
export const WorkerEndpoint = (...answers: Answers[]) =>
  applyDecorators(
    UseGuards(WorkerGuard, CertificateIdentityGuard),
    ApiSecurity('bearer'),
    ApiSecurity({}),
    declare(WORKER_AUTH, JSON_BODY, DATABASE, ...answers),
  );

/** An operator's call: X-Operator-Token always. */
export const OperatorEndpoint = (...answers: Answers[]) =>
  applyDecorators(UseGuards(OperatorGuard), ApiSecurity('operator'), declare(OPERATOR_AUTH, JSON_BODY, DATABASE, ...answers));

/** Anyone's read. */
export const ReadEndpoint = (...answers: Answers[]) => declare(DATABASE, ...answers);

/**
 * One response per status. Causes sharing a status are joined: their
 * descriptions listed, their schemas offered as alternatives (anyOf, since an
 * error with extra fields also matches the plain shape).
 */
function declare(...sets: Answers[]) {
  const byStatus = new Map<number, Answer[]>();
  for (const set of sets) {
    for (const [status, answer] of Object.entries(set)) {
      byStatus.set(Number(status), [...(byStatus.get(Number(status)) ?? []), answer]);
    }
  }
  const types = [...new Set([...byStatus.values()].flat().map((answer) => answer.type ?? ErrorAnswerDto))];
  return applyDecorators(
    ApiExtraModels(...types),
    ...[...byStatus].map(([status, causes]) => {
      const refs = [...new Set(causes.map((cause) => getSchemaPath(cause.type ?? ErrorAnswerDto)))].map(($ref) => ({ $ref }));
      // Without its own example, every error would show the schema's one (a 400).
      const example = { statusCode: status, error: STATUS_CODES[status], message: causes[0].description };
      return ApiResponse({
        status,
        description: causes.map((cause) => cause.description).join('; or '),
        ...(status === 503 && { headers: { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' } } } }),
        content: {
          'application/json': {
            schema: refs.length === 1 ? refs[0] : { anyOf: refs },
            ...(causes[0].type === undefined && { example }),
          },
        },
      });
    }),
  );
}
