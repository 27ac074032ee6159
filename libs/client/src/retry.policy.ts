import { setTimeout as sleep } from 'node:timers/promises';
import { ReceiverError, ReceiverUnreachableError } from './receiver.errors';

export interface RetryOptions {
  /** Tries in all, the first included; Infinity waits for the receiver as long as it takes. */
  attempts: number;
  /** The first retry waits up to this long; each later one up to twice as long as the one before. */
  baseMs: number;
  /** No wait exceeds this. */
  maxMs: number;
  /** Called before each wait, e.g. to log that the receiver is being waited for. */
  onRetry?: (err: Error, attempt: number, delayMs: number) => void;
}

export function validateRetryOptions(retry: RetryOptions): void {
  const ok =
    (Number.isInteger(retry.attempts) || retry.attempts === Infinity) &&
    retry.attempts >= 1 &&
    Number.isFinite(retry.baseMs) &&
    retry.baseMs >= 0 &&
    Number.isFinite(retry.maxMs) &&
    retry.maxMs >= retry.baseMs;
  if (!ok) {
    throw new Error(
      `invalid retry options ${JSON.stringify(retry)}: attempts >= 1 (or Infinity), 0 <= baseMs <= maxMs`,
    );
  }
}

/**
 * Exponential backoff with full jitter: a uniform wait in [0, min(maxMs, baseMs·2^(attempt-1))),
 * so workers that lost the receiver together do not all come back in the same instant.
 */
export function backoffDelay(
  attempt: number,
  retry: Pick<RetryOptions, 'baseMs' | 'maxMs'>,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(retry.maxMs, retry.baseMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/** Network trouble and 5xx may pass; a 4xx says the request itself is wrong, and stays wrong. */
export function isRetryable(err: unknown): boolean {
  return err instanceof ReceiverUnreachableError || (err instanceof ReceiverError && err.status >= 500);
}

export async function withRetry<T>(
  attemptOnce: () => Promise<T>,
  retry: RetryOptions | false,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptOnce();
    } catch (err) {
      if (!retry || !isRetryable(err) || attempt >= retry.attempts || signal?.aborted) throw err;
      const delayMs = backoffDelay(attempt, retry);
      retry.onRetry?.(err as Error, attempt, delayMs);
      try {
        await sleep(delayMs, undefined, { signal });
      } catch {
        throw signal?.reason ?? err;
      }
    }
  }
}
