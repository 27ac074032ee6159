import fs from 'node:fs';
import { Readable, Transform, pipeline } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type {
  ArtifactRecord,
  ClaimRequest,
  ClaimResponse,
  CompleteRequest,
  FailRequest,
  HealthView,
  HeartbeatRequest,
  HeartbeatResponse,
  JobDetail,
  JobListQuery,
  JobPage,
  JobProgress,
  JobView,
  LogAppendRequest,
  LogAppendResponse,
  ProgressRequest,
  ProgressResponse,
  ReloadResult,
  ResultsQuery,
  ResultsView,
  UploadResult,
  WorkerView,
} from '@cis490/contract';
import {
  CONTENT_SHA256_HEADER,
  LOG_ATTEMPT_HEADER,
  LOG_SIZE_HEADER,
  OPERATOR_TOKEN_HEADER,
  WORKER_ID_HEADER,
} from '@cis490/contract';
import type { Dispatcher } from 'undici';
import { type ClientTls, tlsAgent } from './client-tls';
import { IdleDeadline } from './idle-deadline';
import { intHeader, type LogQuery, type LogRead } from './log-stream';
import { isUnanswered, ReceiverList } from './receiver-list';
import { NoReceiverAnsweredError, ReceiverError, ReceiverUnreachableError, type Unanswered } from './receiver.errors';
import { RetryOptions, validateRetryOptions, withRetry } from './retry.policy';
import { describeTlsProblem, probeTls, tlsProblemOf } from './tls-problem';

export interface ReceiverClientOptions {
  /**
   * e.g. `http://127.0.0.1:8471`; a path prefix (a reverse proxy's) is kept.
   * Several receivers (a list, or one string of comma-separated URLs) are
   * tried in that order: a request the one in use does not answer goes to
   * the next (SPEC §11).
   */
  baseUrl: string | readonly string[];
  /** Sent as `X-Operator-Token` to the operator endpoints. */
  operatorToken?: string;
  /** Sent as `Authorization: Bearer …` to the worker endpoints. */
  workerToken?: string;
  /** How long a request may go without progress; 30 s by default. */
  timeoutMs?: number;
  /** Retry network errors and 5xx (the worker); false or absent: fail at once (the CLI). */
  retry?: RetryOptions | false;
  /**
   * For https receivers: a CA to trust besides the system's, and the client
   * certificate to present (mTLS, SPEC §12). One connection pool serves every
   * receiver of the list.
   */
  tls?: ClientTls;
  /** Told when another receiver answered a request that the one in use did not: it is the one in use now. */
  onFailover?: (failover: Failover) => void;
}

export interface Failover {
  /** The receiver that was in use. */
  from: string;
  /** The one that answered instead. */
  to: string;
  /** Why `from` (and any tried between) did not answer. */
  unanswered: readonly Unanswered[];
}

/** Per call: a signal to give up (shutdown), and a retry policy other than the client's. */
export interface CallOptions {
  signal?: AbortSignal;
  retry?: RetryOptions | false;
  /** How long this call may go without progress, when not the client's default. */
  timeoutMs?: number;
}

/** A held claim's answer may take `wait_s`; the call allows that much more than the usual idle time. */
export interface ClaimOptions extends CallOptions {
  /** Ask the receiver to hold the claim up to this many seconds while nothing is eligible (long poll). */
  waitS?: number;
}

export interface UploadOptions {
  workerId: string;
  /** The bundle's SHA-256, when known, for the receiver to check what it got. */
  sha256?: string;
}

export interface ModelFilter {
  model?: string;
  mode?: string;
}

/** Resume an event stream after the last message seen: ids are the receiver's own, so say which one gave it. */
export interface EventsResume {
  lastEventId: string;
  /** The receiver whose id it is; absent: any (as given by a user). */
  receiver?: string;
}

export interface OpenedEvents {
  /** The stream's raw bytes (event-stream.ts parses them). */
  body: Readable;
  /** The receiver serving it. */
  receiver: string;
  /** Opened with Last-Event-ID: what came after it is replayed first (or a `reset`). */
  resumed: boolean;
}

export interface ModelDownload {
  /** The bundle's bytes; fails with ReceiverUnreachableError if the transfer stalls. */
  body: Readable;
  /** From Content-Length; null when the receiver did not say. */
  size: number | null;
}

type Auth = 'operator' | 'worker' | 'none';

interface JsonRequest {
  method: 'GET' | 'POST';
  path: string;
  auth: Auth;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
}

/** Lets an endpoint take an error status as a normal answer (a 204 claim, a 409 heartbeat). */
type Answer<T> = (status: number, payload: unknown) => { value: T } | undefined;

export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The receiver's HTTP API (SPEC §3), one method per endpoint, for the worker
 * and the CLI. Given several receivers, it fails over between them (SPEC §11).
 */
export class ReceiverClient {
  private readonly receivers: ReceiverList;
  private readonly timeoutMs: number;
  private readonly retry: RetryOptions | false;
  /** Absent without TLS settings: fetch's own pool then. */
  private readonly dispatcher?: Dispatcher;

  constructor(private readonly options: ReceiverClientOptions) {
    this.receivers = receiverList(options.baseUrl);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw new Error(`invalid timeoutMs ${options.timeoutMs}: must be > 0`);
    this.retry = options.retry ?? false;
    if (this.retry) validateRetryOptions(this.retry);
    if (options.tls) this.dispatcher = tlsAgent(options.tls);
  }

  /** Closes the TLS connection pool, when there is one; fetch's own needs no closing. */
  async close(): Promise<void> {
    await this.dispatcher?.close();
  }

  /** The receiver in use: the last one that answered (the first configured until then). */
  get baseUrl(): string {
    return this.receivers.current;
  }

  /** Every receiver this client may use, normalized, in the order they are tried. */
  get receiverUrls(): readonly string[] {
    return this.receivers.urls;
  }

  // --- worker endpoints -------------------------------------------------

  /** The next eligible job, or null when there is none (204). */
  claim(req: ClaimRequest, call: ClaimOptions = {}): Promise<ClaimResponse | null> {
    const { waitS, ...rest } = call;
    const held = waitS ? { ...rest, timeoutMs: (rest.timeoutMs ?? this.timeoutMs) + waitS * 1000 } : rest;
    return this.json<ClaimResponse | null>(
      { method: 'POST', path: '/v1/job/claim', auth: 'worker', body: req, query: { wait_s: waitS || undefined } },
      held,
      (status) => (status === 204 ? { value: null } : undefined),
    );
  }

  /** `{cancel: true}` (a 409 from the receiver) means the job was taken away: an answer, not an error. */
  heartbeat(id: string, req: HeartbeatRequest, call?: CallOptions): Promise<HeartbeatResponse> {
    return this.json<HeartbeatResponse>(
      { method: 'POST', path: `/v1/job/${enc(id)}/heartbeat`, auth: 'worker', body: req },
      call,
      (status, payload) =>
        status === 409 && isObject(payload) && payload.cancel === true
          ? { value: payload as unknown as HeartbeatResponse }
          : undefined,
    );
  }

  complete(id: string, req: CompleteRequest, call?: CallOptions): Promise<JobView> {
    return this.json({ method: 'POST', path: `/v1/job/${enc(id)}/complete`, auth: 'worker', body: req }, call);
  }

  fail(id: string, req: FailRequest, call?: CallOptions): Promise<JobView> {
    return this.json({ method: 'POST', path: `/v1/job/${enc(id)}/fail`, auth: 'worker', body: req }, call);
  }

  /**
   * Continues the current attempt's log. A 409 that carries `size` is an
   * answer, not an error: the receiver has `size` bytes and wants the rest
   * from there (`conflict: true`). A 409 without it (not this worker's job) throws.
   */
  appendLog(id: string, req: LogAppendRequest, call?: CallOptions): Promise<LogAppendResponse & { conflict?: true }> {
    return this.json<LogAppendResponse & { conflict?: true }>(
      { method: 'POST', path: `/v1/job/${enc(id)}/log`, auth: 'worker', body: req },
      call,
      (status, payload) =>
        status === 409 && isObject(payload) && typeof payload.size === 'number'
          ? { value: { size: payload.size, conflict: true } }
          : undefined,
    );
  }

  postProgress(id: string, req: ProgressRequest, call?: CallOptions): Promise<ProgressResponse> {
    return this.json({ method: 'POST', path: `/v1/job/${enc(id)}/progress`, auth: 'worker', body: req }, call);
  }

  /** Streams `file` (a bundle.tar.zst) to the store; a retry re-opens the file. */
  upload(id: string, file: string, opts: UploadOptions, call?: CallOptions): Promise<UploadResult> {
    // Each try, on whichever receiver, streams the file from its start: a body cut off midway cannot be resumed.
    return this.exchange(call, async (deadline, baseUrl) => {
      const { size } = await fs.promises.stat(file);
      const source = fs.createReadStream(file);
      const body = progressTap(deadline);
      // Errors surface through fetch; the source's own is looked at below.
      pipeline(source, body, () => undefined);
      const headers: Record<string, string> = {
        'content-type': 'application/zstd',
        'content-length': String(size),
        [WORKER_ID_HEADER]: opts.workerId,
      };
      if (opts.sha256) headers[CONTENT_SHA256_HEADER] = opts.sha256;
      try {
        const res = await this.fetch(baseUrl, 'PUT', `/v1/model/${enc(id)}`, 'worker', deadline, {
          headers,
          body,
          duplex: 'half',
          // Following a redirect would make fetch keep every chunk to replay it (NOTES.md).
          redirect: 'error',
        });
        return await readJson<UploadResult>(res);
      } catch (err) {
        // A bundle that cannot be read is the worker's problem, not the network's: no retry.
        throw source.errored ?? err;
      } finally {
        body.destroy();
      }
    });
  }

  // --- read endpoints ---------------------------------------------------

  listJobs(q: JobListQuery = {}, call?: CallOptions): Promise<JobPage> {
    return this.json({ method: 'GET', path: '/v1/jobs', auth: 'none', query: { ...q } }, call);
  }

  /** `id` is a full job ID or a unique prefix of at least 8 hex characters. */
  getJob(id: string, call?: CallOptions): Promise<JobDetail> {
    return this.json({ method: 'GET', path: `/v1/job/${enc(id)}`, auth: 'none' }, call);
  }

  /** The progress points of one attempt (default: the latest), oldest first. */
  progress(id: string, attempt?: number, call?: CallOptions): Promise<JobProgress> {
    return this.json({ method: 'GET', path: `/v1/job/${enc(id)}/progress`, auth: 'none', query: { attempt } }, call);
  }

  /** The leaderboard of one model's completed jobs. */
  results(q: ResultsQuery, call?: CallOptions): Promise<ResultsView> {
    return this.json({ method: 'GET', path: '/v1/results', auth: 'none', query: { ...q } }, call);
  }

  workers(call?: CallOptions): Promise<{ workers: WorkerView[] }> {
    return this.json({ method: 'GET', path: '/v1/workers', auth: 'none' }, call);
  }

  health(call?: CallOptions): Promise<HealthView> {
    return this.json({ method: 'GET', path: '/v1/health', auth: 'none' }, call);
  }

  models(filter: ModelFilter = {}, call?: CallOptions): Promise<{ models: ArtifactRecord[] }> {
    return this.json({ method: 'GET', path: '/v1/models', auth: 'none', query: { ...filter } }, call);
  }

  /** The bundle's bytes as a stream; the caller writes it where it wants. */
  downloadModel(sha256: string, call?: CallOptions): Promise<ModelDownload> {
    return this.exchange(call, async (deadline, baseUrl) => {
      const res = await this.fetch(baseUrl, 'GET', `/v1/models/${enc(sha256)}`, 'none', deadline, {
        headers: { accept: 'application/zstd, application/octet-stream' },
      });
      if (!res.ok) throw await errorFrom(res);
      const length = res.headers.get('content-length');
      const size = length !== null && /^\d+$/.test(length) ? Number(length) : null;
      if (!res.body) return { body: Readable.from([]), size };

      const source = Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>);
      const body = progressTap(deadline);
      deadline.retained = true;
      deadline.onTimeout = () =>
        body.destroy(new ReceiverUnreachableError(baseUrl, `download stalled: no data for ${deadline.ms} ms`));
      source.on('error', (err) => body.destroy(this.translate(err, deadline, baseUrl) as Error));
      body.on('close', () => {
        deadline.clear();
        source.destroy();
      });
      source.pipe(body);
      return { body, size };
    });
  }

  /**
   * One attempt's log (default: the latest) from byte `offset`, as its raw bytes.
   * With `follow` the receiver keeps sending until the attempt ends. The body fails
   * with ReceiverUnreachableError when the connection breaks or stays silent for the
   * client's timeout; log-stream.ts reopens it from where it stopped.
   */
  readLog(id: string, q: LogQuery = {}, call?: CallOptions): Promise<LogRead> {
    const query = { attempt: q.attempt, offset: q.offset, follow: q.follow ? 1 : undefined };
    return this.exchange(call, async (deadline, baseUrl) => {
      const pathAndQuery = `/v1/job/${enc(id)}/log${queryString(query)}`;
      const { headers, body } = await this.openStream(baseUrl, pathAndQuery, {}, deadline, call?.signal);
      return { attempt: intHeader(headers, LOG_ATTEMPT_HEADER), size: intHeader(headers, LOG_SIZE_HEADER), body };
    });
  }

  /**
   * `GET /v1/events` as raw bytes (event-stream.ts parses them); `resume` asks
   * for every message after its id, when the receiver that serves the stream
   * is the one that gave that id (another's ids mean nothing to it).
   * Resolves once the receiver has accepted the subscription.
   */
  openEvents(resume?: EventsResume, call?: CallOptions): Promise<OpenedEvents> {
    return this.exchange(call, async (deadline, baseUrl) => {
      const resumed = resume !== undefined && (resume.receiver === undefined || resume.receiver === baseUrl);
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (resumed) headers['last-event-id'] = resume.lastEventId;
      const { body } = await this.openStream(baseUrl, '/v1/events', headers, deadline, call?.signal);
      return { body, receiver: baseUrl, resumed };
    });
  }

  /** A GET whose body is read as it arrives, failing when it stalls, as downloadModel's does. */
  private async openStream(
    baseUrl: string,
    pathAndQuery: string,
    headers: Record<string, string>,
    deadline: IdleDeadline,
    signal?: AbortSignal,
  ): Promise<{ headers: Headers; body: Readable }> {
    const res = await this.fetch(baseUrl, 'GET', pathAndQuery, 'none', deadline, { headers });
    if (!res.ok) throw await errorFrom(res);
    if (!res.body) return { headers: res.headers, body: Readable.from([]) };

    const source = Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>);
    const body = progressTap(deadline);
    deadline.retained = true;
    deadline.onTimeout = () =>
      body.destroy(new ReceiverUnreachableError(baseUrl, `stream stalled: no data for ${deadline.ms} ms`));
    source.on('error', (err) => body.destroy(this.translate(err, deadline, baseUrl, signal) as Error));
    // A break before the caller reads (it may fetch state first) is met when it does read, never unhandled.
    body.on('error', () => undefined);
    body.on('close', () => {
      deadline.clear();
      source.destroy();
    });
    source.pipe(body);
    return { headers: res.headers, body };
  }

  // --- operator endpoints -----------------------------------------------

  cancel(id: string, call?: CallOptions): Promise<JobView> {
    return this.json({ method: 'POST', path: `/v1/job/${enc(id)}/cancel`, auth: 'operator', body: {} }, call);
  }

  requeue(id: string, force?: boolean, call?: CallOptions): Promise<JobView> {
    const body = force === undefined ? {} : { force };
    return this.json({ method: 'POST', path: `/v1/job/${enc(id)}/requeue`, auth: 'operator', body }, call);
  }

  /** A rejected manifest is a ReceiverError (422) whose `errors` lists every problem. */
  reload(call?: CallOptions): Promise<ReloadResult> {
    return this.json({ method: 'POST', path: '/v1/manifest/reload', auth: 'operator', body: {} }, call);
  }

  // --- plumbing -----------------------------------------------------------

  private json<T>(req: JsonRequest, call?: CallOptions, answer?: Answer<T>): Promise<T> {
    return this.exchange(call, async (deadline, baseUrl) => {
      const headers: Record<string, string> = { accept: 'application/json' };
      let body: string | undefined;
      if (req.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(req.body);
      }
      const res = await this.fetch(baseUrl, req.method, req.path + queryString(req.query), req.auth, deadline, {
        headers,
        body,
      });
      if (answer) {
        const text = await res.text();
        const handled = answer(res.status, parseBody(text));
        if (handled) return handled.value;
        return checkedJson<T>(res, text);
      }
      return readJson<T>(res);
    });
  }

  /**
   * One logical call: tries under the retry policy. Each try asks the receiver
   * in use and, while it does not answer, each other receiver in turn, without
   * waiting between them: the policy's backoff is for when none answers.
   * `attempt` sends the request once to `baseUrl`, with its own idle deadline.
   */
  private exchange<T>(
    call: CallOptions | undefined,
    attempt: (deadline: IdleDeadline, baseUrl: string) => Promise<T>,
  ): Promise<T> {
    const signal = call?.signal;
    const retry = call?.retry ?? this.retry;
    if (call?.retry) validateRetryOptions(call.retry);
    return withRetry(() => this.acrossReceivers(call, attempt), retry, signal);
  }

  private async acrossReceivers<T>(
    call: CallOptions | undefined,
    attempt: (deadline: IdleDeadline, baseUrl: string) => Promise<T>,
  ): Promise<T> {
    const signal = call?.signal;
    const unanswered: Unanswered[] = [];
    for (const { index, url } of this.receivers.inTurn()) {
      signal?.throwIfAborted();
      const deadline = new IdleDeadline(call?.timeoutMs ?? this.timeoutMs, signal);
      try {
        const value = await attempt(deadline, url);
        this.answeredBy(index, unanswered);
        return value;
      } catch (raw) {
        let err = this.translate(raw, deadline, url, signal);
        if (!signal?.aborted) err = await this.diagnosed(err, url);
        if (signal?.aborted || !isUnanswered(err)) {
          if (err instanceof ReceiverError) this.answeredBy(index, unanswered);
          throw err;
        }
        unanswered.push({ url, error: err as Error });
      } finally {
        if (!deadline.retained) deadline.clear();
      }
    }
    // One receiver: its own error, as before there were lists.
    throw unanswered.length === 1 ? unanswered[0].error : new NoReceiverAnsweredError(unanswered);
  }

  private answeredBy(index: number, unanswered: Unanswered[]): void {
    const from = this.receivers.current;
    if (this.receivers.answered(index)) this.options.onFailover?.({ from, to: this.receivers.current, unanswered });
  }

  private fetch(
    baseUrl: string,
    method: string,
    pathAndQuery: string,
    auth: Auth,
    deadline: IdleDeadline,
    init: { headers: Record<string, string> } & Omit<RequestInit, 'headers' | 'method' | 'signal'>,
  ): Promise<Response> {
    const headers = { ...init.headers };
    if (auth === 'operator' && this.options.operatorToken) headers[OPERATOR_TOKEN_HEADER] = this.options.operatorToken;
    if (auth === 'worker' && this.options.workerToken) headers.authorization = `Bearer ${this.options.workerToken}`;
    // Node's RequestInit types the dispatcher with its own bundled undici's types; the npm package's Agent drives it.
    const dispatcher = this.dispatcher as RequestInit['dispatcher'];
    return fetch(baseUrl + pathAndQuery, { ...init, method, headers, signal: deadline.signal, dispatcher });
  }

  /**
   * Names a TLS failure (SPEC §12). fetch reports a certificate it rejects by
   * its code, but a receiver that rejects ours only closes the connection
   * ("other side closed"), as a receiver stopping would: for that one a
   * probe handshake tells which it was.
   */
  private async diagnosed(err: unknown, baseUrl: string): Promise<unknown> {
    if (!(err instanceof ReceiverUnreachableError) || err.tls || !baseUrl.startsWith('https:')) return err;
    const code = causeCode(err.cause);
    if (code === undefined) return err;
    const host = new URL(baseUrl).hostname;
    let problem = code === 'UND_ERR_SOCKET' ? undefined : tlsProblemOf(code, host, Boolean(this.options.tls?.cert));
    if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') {
      const probe = await probeTls(baseUrl, this.options.tls, Math.min(this.timeoutMs, TLS_PROBE_TIMEOUT_MS));
      problem = probe.ok ? undefined : probe.problem;
    }
    if (!problem) return err;
    const named = new ReceiverUnreachableError(baseUrl, `${describeTlsProblem(problem)} (${err.reason})`, { cause: err.cause });
    named.tls = problem;
    return named;
  }

  /** fetch's errors, in the terms of this API; `baseUrl` is the receiver asked. */
  private translate(err: unknown, deadline: IdleDeadline, baseUrl: string, signal?: AbortSignal): unknown {
    if (err instanceof ReceiverError || err instanceof ReceiverUnreachableError) return err;
    if (signal?.aborted) return signal.reason;
    if (deadline.timedOut) {
      return new ReceiverUnreachableError(baseUrl, `no answer within ${deadline.ms} ms`, { cause: err });
    }
    // undici reports every network failure as a TypeError ("fetch failed", "terminated") with the
    // cause. Compared by name: fetch's errors may come from another realm (a test VM) than ours.
    if (isErrorLike(err) && err.name === 'TypeError') {
      return new ReceiverUnreachableError(baseUrl, networkCause(err), { cause: err });
    }
    return err;
  }
}

/** A failed handshake is answered at once; a probe that takes longer found something else. */
const TLS_PROBE_TIMEOUT_MS = 5_000;

/** The first error code under fetch's TypeError: `UND_ERR_SOCKET`, `CERT_HAS_EXPIRED`… */
function causeCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; isErrorLike(e) && depth < 4; depth++) {
    // Happy eyeballs tries every address of a name and reports them together.
    const errors = (e as AggregateError).errors;
    const first: unknown = Array.isArray(errors) && errors.length ? errors[0] : e;
    const code = isErrorLike(first) ? (first as NodeJS.ErrnoException).code : undefined;
    if (typeof code === 'string') return code;
    e = (first as Error).cause;
  }
  return undefined;
}

function receiverList(urls: string | readonly string[]): ReceiverList {
  try {
    return new ReceiverList(urls);
  } catch (err) {
    const raw = typeof urls === 'string' ? urls : urls.join(',');
    throw new Error(`invalid receiver URL "${raw}": ${(err as Error).message}`);
  }
}

const enc = encodeURIComponent;

const isErrorLike = (v: unknown): v is Error =>
  typeof v === 'object' && v !== null && typeof (v as Error).name === 'string' && typeof (v as Error).message === 'string';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function queryString(query?: Record<string, string | number | undefined>): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

function parseBody(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function errorFrom(res: Response): Promise<ReceiverError> {
  return new ReceiverError(res.status, res.statusText, parseBody(await res.text()));
}

async function readJson<T>(res: Response): Promise<T> {
  return checkedJson<T>(res, await res.text());
}

function checkedJson<T>(res: Response, text: string): T {
  const payload = parseBody(text);
  if (!res.ok) throw new ReceiverError(res.status, res.statusText, payload);
  if (typeof payload === 'string' || payload === null) {
    // Something answered that is not the receiver (a captive portal, another service on the port).
    throw new ReceiverError(res.status, 'answer is not JSON', payload);
  }
  return payload as T;
}

/** A pass-through that counts each chunk as progress for the deadline. */
function progressTap(deadline: IdleDeadline): Transform {
  return new Transform({
    transform(chunk, _encoding, done) {
      deadline.touch();
      done(null, chunk);
    },
  });
}

/** `connect ECONNREFUSED 127.0.0.1:8471`, `getaddrinfo ENOTFOUND lab-receiver`, `other side closed`… */
function networkCause(err: Error): string {
  let cause: unknown = err.cause;
  // Happy eyeballs tries every address of a name and reports them together.
  if (isErrorLike(cause) && Array.isArray((cause as AggregateError).errors) && (cause as AggregateError).errors.length) {
    cause = (cause as AggregateError).errors[0];
  }
  if (isErrorLike(cause)) {
    const code = (cause as NodeJS.ErrnoException).code;
    const message = cause.message || code || cause.name;
    return code && !message.includes(code) ? `${message} (${code})` : message;
  }
  return err.message;
}
