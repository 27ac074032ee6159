import { ReceiverError, ReceiverUnreachableError } from './receiver.errors';
import { backoffDelay, isRetryable, validateRetryOptions, withRetry } from './retry.policy';

describe('retry policy', () => {
  it('doubles the ceiling of the jittered wait each attempt, capped at maxMs', () => {
    const almostOne = () => 0.9999;
    const policy = { baseMs: 100, maxMs: 1000 };
    expect([1, 2, 3, 4, 5, 50].map((a) => backoffDelay(a, policy, almostOne))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(200);
  });

  it('retries network errors and 5xx, never 4xx', () => {
    expect(isRetryable(new ReceiverUnreachableError('http://x', 'connect ECONNREFUSED'))).toBe(true);
    expect(isRetryable(new ReceiverError(503, 'Service Unavailable', null))).toBe(true);
    expect(isRetryable(new ReceiverError(409, 'Conflict', null))).toBe(false);
    expect(isRetryable(new Error('ENOENT'))).toBe(false);
  });

  it('rejects options that cannot work', () => {
    expect(() => validateRetryOptions({ attempts: Infinity, baseMs: 100, maxMs: 30_000 })).not.toThrow();
    expect(() => validateRetryOptions({ attempts: 0, baseMs: 100, maxMs: 1000 })).toThrow(/invalid retry options/);
    expect(() => validateRetryOptions({ attempts: 3, baseMs: 100, maxMs: 10 })).toThrow(/invalid retry options/);
  });

  it('stops after `attempts` tries, reporting each wait', async () => {
    const seen: number[] = [];
    let calls = 0;
    const failing = async (): Promise<never> => {
      calls++;
      throw new ReceiverError(500, 'Internal Server Error', null);
    };
    await expect(
      withRetry(failing, { attempts: 3, baseMs: 1, maxMs: 2, onRetry: (_e, attempt) => seen.push(attempt) }),
    ).rejects.toMatchObject({ status: 500 });
    expect(calls).toBe(3);
    expect(seen).toEqual([1, 2]);
  });

  it('gives up waiting when the signal aborts', async () => {
    const controller = new AbortController();
    const reason = new Error('worker shutdown');
    const unreachable = async (): Promise<never> => {
      throw new ReceiverUnreachableError('http://x', 'connect ECONNREFUSED');
    };
    const pending = withRetry(
      unreachable,
      { attempts: Infinity, baseMs: 60_000, maxMs: 60_000, onRetry: () => controller.abort(reason) },
      controller.signal,
    );
    await expect(pending).rejects.toBe(reason);
  });
});
