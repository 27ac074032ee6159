import { FREE_RELEASES } from './queue.service';
import { backoffS } from './retry-policy';
import { capability, claimRequest, JobsHarness, manifestOf, startJobs } from '../../../test/support/jobs.testing';

/** SPEC §10 retries: by exit code, with exponential backoff, away from the worker that failed. */
describe('retries', () => {
  let h: JobsHarness;
  beforeEach(async () => {
    h = await startJobs();
  });
  afterEach(() => h.close());

  const claimBy = (worker: string) => h.claim(claimRequest(worker, capability({ hostname: worker })));
  const fail = (id: string, worker: string, exit_code?: number, extra: Record<string, unknown> = {}) =>
    h.queue.fail(id, { worker_id: worker, error: `exit ${exit_code}`, exit_code, ...extra });

  it('retries an exit code in retry_on_exit_codes after its backoff, and fails for good on any other', async () => {
    await h.queue.reload(manifestOf([{ mode: 'a', max_attempts: 3 }, { mode: 'b', max_attempts: 3 }]));
    const a = (await claimBy('w1'))!;
    const retried = await fail(a.id, 'w1', 137);
    expect(retried).toMatchObject({ status: 'pending', exit_code: 137, not_before: '2026-01-05T09:00:30.000Z' });
    const b = (await claimBy('w1'))!;
    expect(b.mode).toBe('b');
    expect(await fail(b.id, 'w1', 1)).toMatchObject({ status: 'failed', exit_code: 1, not_before: null });

    const detail = await h.queue.get(a.id);
    expect(detail.pending_reason).toBe('retrying at 2026-01-05T09:00:30.000Z after attempt 1 failed: exit 137');
    expect(detail.events.pop()!.reason).toBe(
      'failed on w1 (attempt 1 of 3), will retry at 2026-01-05T09:00:30.000Z (exit code 137 is in retry_on_exit_codes): exit 137',
    );
  });

  it('keeps a retry from every worker until its backoff ends, and from the worker that failed for twice as long', async () => {
    await h.queue.reload(manifestOf([{ max_attempts: 3 }]));
    const job = (await claimBy('w1'))!;
    await fail(job.id, 'w1', 75);
    expect(await claimBy('w2')).toBeNull();
    h.clock.advance(30);
    expect(await claimBy('w1')).toBeNull(); // until 60 s
    expect((await h.queue.list({})).jobs[0].not_before).toBeNull(); // claimable now, by others
    const again = (await claimBy('w2'))!;
    expect(again).toMatchObject({ id: job.id, attempts: 2, worker_id: 'w2', not_before: null });
  });

  it('lets the failed worker take it back once twice the backoff has passed, if nobody else did', async () => {
    await h.queue.reload(manifestOf([{ max_attempts: 3 }]));
    const job = (await claimBy('w1'))!;
    await fail(job.id, 'w1', 75);
    h.clock.advance(59);
    expect(await claimBy('w1')).toBeNull();
    h.clock.advance(1);
    expect(await claimBy('w1')).toMatchObject({ id: job.id, attempts: 2 });
  });

  it('doubles the backoff with each retry, up to retry_backoff_max_s; 0 retries at once', async () => {
    const job = { retry_backoff_s: 10, retry_backoff_max_s: 25 };
    expect([1, 2, 3, 4].map((n) => backoffS(job, n))).toEqual([10, 20, 25, 25]);
    expect(backoffS({ retry_backoff_s: 0, retry_backoff_max_s: 25 }, 3)).toBe(0);

    await h.queue.reload(manifestOf([{ max_attempts: 4, retry_backoff_s: 10, retry_backoff_max_s: 25 }]));
    const waits: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const job = (await claimBy(`w${i}`))!;
      const failed = await fail(job.id, `w${i}`, 137);
      waits.push(failed.not_before);
      h.clock.advance(25);
    }
    const start = Date.parse('2026-01-05T09:00:00.000Z');
    expect(waits.map((w) => (Date.parse(w!) - start) / 1000)).toEqual([10, 25 + 20, 50 + 25]);
  });

  it('never waits after a release, a requeue, or a retry with retry_backoff_s 0', async () => {
    await h.queue.reload(manifestOf([{ mode: 'a' }, { mode: 'b', retry_backoff_s: 0 }]));
    const a = (await claimBy('w1'))!;
    expect(await fail(a.id, 'w1', undefined, { release: true })).toMatchObject({ status: 'pending', not_before: null });
    expect((await claimBy('w1'))!.id).toBe(a.id);
    expect(await fail(a.id, 'w1', 1)).toMatchObject({ status: 'failed' });
    expect(await h.queue.requeue(a.id)).toMatchObject({ status: 'pending', not_before: null });
    expect((await claimBy('w1'))!.id).toBe(a.id);

    const b = (await claimBy('w2'))!;
    expect(b.mode).toBe('b');
    expect(await fail(b.id, 'w2', 137)).toMatchObject({ status: 'pending', not_before: null });
    expect((await claimBy('w2'))!.id).toBe(b.id);
  });

  it('makes the stale sweep wait out the backoff, away from the silent worker', async () => {
    await h.queue.reload(manifestOf([{ max_attempts: 3 }]));
    const job = (await claimBy('w1'))!;
    h.clock.advance(601);
    expect(await h.sweep.sweep()).toEqual({ requeued: 1, failed: 0, forgotten: 0 });
    expect((await h.queue.get(job.id)).pending_reason).toMatch(/^retrying at 2026-01-05T09:10:31.000Z after attempt 1 failed: worker w1 went silent/);
    expect(await claimBy('w2')).toBeNull();
    h.clock.advance(30);
    expect(await claimBy('w1')).toBeNull();
    expect((await claimBy('w2'))!.id).toBe(job.id);
  });

  it('counts releases past FREE_RELEASES as attempts, so a release loop ends with the job failed', async () => {
    await h.queue.reload(manifestOf([{ max_attempts: 2 }]));
    let last;
    for (let i = 1; i <= FREE_RELEASES; i++) {
      const job = (await claimBy('w1'))!;
      last = await fail(job.id, 'w1', undefined, { release: true });
      expect(last).toMatchObject({ status: 'pending', attempts: 0 });
    }
    const again = (await claimBy('w1'))!;
    expect(await fail(again.id, 'w1', undefined, { release: true })).toMatchObject({ status: 'pending', attempts: 1 });
    const final = (await claimBy('w1'))!;
    const failed = await fail(final.id, 'w1', undefined, { release: true });
    expect(failed).toMatchObject({ status: 'failed', attempts: 2 });
    const detail = await h.queue.get(final.id);
    expect(detail.events.at(-1)?.reason).toMatch(/released by w1 12 times; no attempts left \(2 of 2\)/);
  });
});
