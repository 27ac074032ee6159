import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobView } from '@cis490/contract';
import type { ReceiverClient } from './receiver.client';
import { NoReceiverAnsweredError, ReceiverUnreachableError } from './receiver.errors';
import { backoffDelay, isRetryable } from './retry.policy';

export interface LogQuery {
  /** Default: the job's latest attempt. */
  attempt?: number;
  /** A UTF-8 byte offset into the log. */
  offset?: number;
  /** Keep the response open until the attempt ends. */
  follow?: boolean;
}

export interface LogRead {
  /** The attempt served (X-Log-Attempt); null when the receiver did not say. */
  attempt: number | null;
  /** The log's size when read (X-Log-Size, not sent while following). */
  size: number | null;
  body: Readable;
}

export interface JobLogOptions {
  attempt?: number;
  follow?: boolean;
  /** Give up when the receiver stays unreachable this long after the stream broke (default 30 s). */
  giveUpMs?: number;
  /** Waits between tries to reopen, as in RetryOptions (defaults 200 ms, doubling up to 5 s). */
  baseMs?: number;
  maxMs?: number;
  signal?: AbortSignal;
  /** Told before each wait to reopen a stream that broke. */
  onReconnect?: (err: Error, delayMs: number) => void;
}

export const LOG_GIVE_UP_MS = 30_000;

/** The statuses in which a job's current attempt is still going on. */
const ATTEMPT_GOES_ON: ReadonlySet<JobView['status']> = new Set(['claimed', 'running']);

/**
 * A job's log as chunks of its bytes, every byte once and in order. A stream that
 * breaks (a receiver restart, a dropped connection, a silence past the client's
 * timeout) is reopened from the bytes already yielded; the first request's
 * failure and a receiver unreachable for `giveUpMs` are thrown. Following ends
 * when the attempt has ended, as the job says, not merely when a response ends:
 * a receiver that shuts down may end one cleanly.
 */
export async function* jobLog(client: ReceiverClient, id: string, opts: JobLogOptions = {}): AsyncGenerator<Buffer> {
  const { signal } = opts;
  let read = await client.readLog(id, { attempt: opts.attempt, follow: opts.follow }, { signal });
  // Reopened streams name the attempt, so that a new claim of the job cannot switch logs halfway.
  let attempt = read.attempt ?? opts.attempt;
  let offset = 0;
  let follow = Boolean(opts.follow);
  for (;;) {
    let broken: Error | undefined;
    try {
      for await (const chunk of read.body as AsyncIterable<Buffer>) {
        offset += chunk.length;
        yield chunk;
      }
    } catch (err) {
      if (signal?.aborted || !isRetryable(err)) throw err;
      broken = err as Error;
    } finally {
      read.body.destroy();
    }
    if (!broken) {
      if (!follow) return;
      try {
        const job = await client.getJob(id, { signal });
        attempt ??= job.attempt;
        // Over: one last plain read picks up anything written between the check and now.
        if (job.attempt !== attempt || !ATTEMPT_GOES_ON.has(job.status)) follow = false;
      } catch (err) {
        if (signal?.aborted || !isRetryable(err)) throw err;
        broken = err as Error;
      }
    }
    read = await reopen(client, id, { attempt, offset, follow }, opts, broken);
  }
}

/** The same log from `offset`, tried until it opens, a refusal, or `giveUpMs` of trying. */
async function reopen(
  client: ReceiverClient,
  id: string,
  q: LogQuery,
  opts: JobLogOptions,
  broken: Error | undefined,
): Promise<LogRead> {
  const giveUpMs = opts.giveUpMs ?? LOG_GIVE_UP_MS;
  const retry = { baseMs: opts.baseMs ?? 200, maxMs: opts.maxMs ?? 5_000 };
  const since = Date.now();
  let last = broken;
  for (let tries = 1; ; tries++) {
    if (last) {
      const delayMs = Math.min(backoffDelay(tries, retry), Math.max(0, since + giveUpMs - Date.now()));
      opts.onReconnect?.(last, delayMs);
      await sleep(delayMs, undefined, { signal: opts.signal });
    }
    try {
      return await client.readLog(id, q, { signal: opts.signal });
    } catch (err) {
      if (opts.signal?.aborted || !isRetryable(err)) throw err;
      last = err as Error;
      if (Date.now() - since >= giveUpMs) throw gaveUp(last, giveUpMs);
    }
  }
}

function gaveUp(err: Error, giveUpMs: number): Error {
  const note = `the log stopped after ${Math.round(giveUpMs / 1000)} s of trying again`;
  if (err instanceof NoReceiverAnsweredError) return new NoReceiverAnsweredError(err.tried, note);
  if (!(err instanceof ReceiverUnreachableError)) return err;
  return new ReceiverUnreachableError(err.baseUrl, `${err.reason}; ${note}`, { cause: err });
}

/** A header holding a whole number, or null. */
export function intHeader(headers: Headers, name: string): number | null {
  const value = headers.get(name);
  return value !== null && /^\d+$/.test(value.trim()) ? Number(value) : null;
}
