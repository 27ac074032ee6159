import type { ManifestIssue } from '@cis490/contract';
import type { TlsProblem } from './tls-problem';

/** The receiver could not be talked to at all: refused, reset, unresolvable or silent past the timeout. */
export class ReceiverUnreachableError extends Error {
  override readonly name: string = 'ReceiverUnreachableError';
  /** Set when the TLS handshake failed: what was wrong (unknown CA, no client certificate…). */
  tls?: TlsProblem;

  constructor(
    readonly baseUrl: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot reach receiver at ${baseUrl}: ${reason}`, options);
  }
}

/** One receiver of a list that did not answer a request, and why. */
export interface Unanswered {
  url: string;
  error: Error;
}

/**
 * Every receiver of the list was tried and none answered (SPEC §11). A
 * ReceiverUnreachableError, so that it is retried and reported as one;
 * `tried` says what happened at each, in the order they were tried.
 */
export class NoReceiverAnsweredError extends ReceiverUnreachableError {
  override readonly name = 'NoReceiverAnsweredError';

  constructor(
    readonly tried: readonly Unanswered[],
    /** Added after the list, e.g. how long it was tried. */
    note?: string,
  ) {
    const reason = tried.map((t) => `${t.url} (${whyUnanswered(t)})`).join('; ');
    super(tried.map((t) => t.url).join(','), note ? `${reason}; ${note}` : reason, { cause: tried.at(-1)?.error });
    this.message = `no receiver answered: ${this.reason}`;
  }
}

/** `connect ECONNREFUSED …`, `no answer within 30000 ms`, `503 Service Unavailable`: the URL is said once, by the caller. */
function whyUnanswered(t: Unanswered): string {
  return t.error instanceof ReceiverUnreachableError ? t.error.reason : t.error.message;
}

/** The receiver answered with a 4xx or 5xx. `message` is what it said, one line. */
export class ReceiverError extends Error {
  override readonly name = 'ReceiverError';
  /** The NestJS error body, parsed; the raw text when it was not JSON. */
  readonly body: unknown;
  /** A rejected manifest reload (422): every validation problem. */
  readonly errors?: ManifestIssue[];
  /** An ambiguous job ID prefix (409): the IDs it matches. */
  readonly matches?: string[];

  constructor(
    readonly status: number,
    statusText: string,
    body: unknown,
  ) {
    super(describeErrorBody(status, statusText, body));
    this.body = body;
    if (isObject(body)) {
      if (Array.isArray(body.errors)) this.errors = body.errors as ManifestIssue[];
      if (Array.isArray(body.matches)) this.matches = body.matches.map(matchId);
    }
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const matchId = (m: unknown): string => (isObject(m) && typeof m.id === 'string' ? m.id : String(m));

/**
 * `404 Not Found: no job matches deadbeef` from Nest's `{statusCode, error, message}`,
 * where `message` may be a list (validation): its items are joined with '; '.
 */
export function describeErrorBody(status: number, statusText: string, body: unknown): string {
  let label = statusText;
  let detail = '';
  if (isObject(body)) {
    if (typeof body.error === 'string' && body.error) label = body.error;
    if (typeof body.message === 'string') detail = body.message;
    else if (Array.isArray(body.message)) detail = body.message.map(String).join('; ');
  } else if (typeof body === 'string') {
    // A proxy's HTML page or plain text: its first line is enough to say who answered.
    detail = body.trim().split(/\r?\n/, 1)[0].slice(0, 200);
  }
  const head = label ? `${status} ${label}` : String(status);
  return detail && detail !== label ? `${head}: ${detail}` : head;
}
