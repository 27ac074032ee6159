import { ArtifactMissingError, JobConflictError } from './errors';
import { type JobView, LOG_TAIL_MAX_BYTES } from '@cis490/contract';
import {
  bundleBytes,
  capability,
  claimRequest,
  JobsHarness,
  manifestOf,
  sha256,
  startJobs,
} from '../../../test/support/jobs.testing';

const BUNDLES = [bundleBytes('a'), bundleBytes('b')];
const [SHA, OTHER_SHA] = BUNDLES.map(sha256);

describe('job lifecycle', () => {
  let h: JobsHarness;
  /** Stores the bundle with this digest for this job, as its upload would. */
  const upload = (jobId: string, sha: string) => h.storeBundle(jobId, BUNDLES[sha === SHA ? 0 : 1]);

  beforeEach(async () => {
    h = await startJobs();
  });
  afterEach(() => h.close());

  async function claimed(input = {}, worker = 'w1'): Promise<JobView> {
    const m = manifestOf([input]);
    await h.queue.reload(m);
    const job = await h.mustClaim(worker, capability());
    if (job.id !== m.jobs[0].id) throw new Error('setup: another job was claimed');
    return job;
  }

  const transitions = async (id: string) => (await h.queue.get(id)).events.map((e) => `${e.from ?? '∅'}>${e.to}`);

  describe('heartbeat', () => {
    it('moves claimed → running on the first beat, then only refreshes heartbeat_at and log_tail', async () => {
      const job = await claimed();
      h.clock.advance(5);
      expect(await h.queue.heartbeat(job.id, { worker_id: 'w1', log_tail: 'epoch 1' })).toEqual({
        status: 'running',
        cancel: false,
      });
      const started = h.clock.now().toISOString();
      h.clock.advance(30);
      expect(await h.queue.heartbeat(job.id, { worker_id: 'w1' })).toEqual({ status: 'running', cancel: false });
      const detail = await h.queue.get(job.id);
      expect(detail).toMatchObject({
        status: 'running',
        started_at: started,
        heartbeat_at: h.clock.now().toISOString(),
        log_tail: 'epoch 1',
      });
      expect(await transitions(job.id)).toEqual(['∅>pending', 'pending>claimed', 'claimed>running']);
    });

    it('keeps the last 64 KiB of the log, on a character boundary', async () => {
      const job = await claimed();
      // The 64 KiB cut falls on the second byte of 'é' (2 bytes in UTF-8): the tail starts after it.
      const log = `${'x'.repeat(1000)}é${'y'.repeat(LOG_TAIL_MAX_BYTES - 4)}end`;
      await h.queue.heartbeat(job.id, { worker_id: 'w1', log_tail: log });
      const tail = (await h.queue.get(job.id)).log_tail as string;
      expect(tail).toBe(`${'y'.repeat(LOG_TAIL_MAX_BYTES - 4)}end`);
    });

    it('answers cancel: true, changing nothing, to a worker that does not hold the job', async () => {
      const job = await claimed();
      expect(await h.queue.heartbeat(job.id, { worker_id: 'w2' })).toEqual({ status: 'claimed', cancel: true });
      await h.queue.cancel(job.id);
      expect(await h.queue.heartbeat(job.id, { worker_id: 'w1' })).toEqual({ status: 'cancelled', cancel: true });
      expect((await h.queue.get(job.id)).started_at).toBeNull();
    });
  });

  describe('complete', () => {
    it('completes from running with the artifact and metrics; repeating it answers the job unchanged', async () => {
      const job = await claimed();
      await h.queue.heartbeat(job.id, { worker_id: 'w1' });
      await upload(job.id, SHA);
      h.clock.advance(60);
      const done = await h.queue.complete(
        job.id,
        { worker_id: 'w1', artifact_sha256: SHA, metrics: { acc: 0.9 } });
      expect(done).toMatchObject({ status: 'completed', artifact_sha256: SHA, metrics: { acc: 0.9 }, worker_id: 'w1' });
      expect(done.finished_at).toBe(h.clock.now().toISOString());
      h.clock.advance(5);
      expect(await h.queue.complete(job.id, { worker_id: 'w1', artifact_sha256: SHA })).toEqual(done);
      expect(await transitions(job.id)).toEqual([
        '∅>pending',
        'pending>claimed',
        'claimed>running',
        'running>completed',
      ]);
    });

    it('completes straight from claimed', async () => {
      const job = await claimed();
      await upload(job.id, SHA);
      const done = await h.queue.complete(job.id, { worker_id: 'w1', artifact_sha256: SHA });
      expect(done).toMatchObject({ status: 'completed', metrics: null });
    });

    it("clears an earlier attempt's error once a retry completes", async () => {
      const job = await claimed();
      await h.queue.fail(job.id, { worker_id: 'w1', error: 'OOM', exit_code: 137, retryable: true });
      h.clock.advance(30);
      await h.claim(claimRequest('w2', capability()));
      await upload(job.id, SHA);
      const done = await h.queue.complete(job.id, { worker_id: 'w2', artifact_sha256: SHA.toUpperCase() });
      expect(done).toMatchObject({
        status: 'completed',
        attempts: 2,
        error: null,
        exit_code: null,
        worker_id: 'w2',
        artifact_sha256: SHA,
      });
    });

    it('refuses an artifact not uploaded for this job', async () => {
      const job = await claimed();
      await upload('other', SHA);
      await expect(h.queue.complete(job.id, { worker_id: 'w1', artifact_sha256: SHA })).rejects.toThrow(
        ArtifactMissingError,
      );
      expect((await h.queue.get(job.id)).status).toBe('claimed');
    });

    it('refuses another worker, and a different sha after completion', async () => {
      const job = await claimed();
      await upload(job.id, SHA);
      await expect(h.queue.complete(job.id, { worker_id: 'w2', artifact_sha256: SHA })).rejects.toThrow(
        `is claimed on worker w1, not w2`,
      );
      await h.queue.complete(job.id, { worker_id: 'w1', artifact_sha256: SHA });
      await upload(job.id, OTHER_SHA);
      await expect(
        h.queue.complete(job.id, { worker_id: 'w1', artifact_sha256: OTHER_SHA }),
      ).rejects.toThrow(JobConflictError);
      await expect(h.queue.complete(job.id, { worker_id: 'w2', artifact_sha256: SHA })).rejects.toThrow(
        JobConflictError,
      );
    });
  });

  describe('fail', () => {
    it('goes back to pending on a retryable failure with attempts left, clearing the worker', async () => {
      const job = await claimed({ max_attempts: 2 });
      const after = await h.queue.fail(job.id, {
        worker_id: 'w1',
        error: 'CUDA OOM\ntrace',
        exit_code: 137,
        retryable: true,
        log_tail: 'tail',
      });
      expect(after).toMatchObject({
        status: 'pending',
        attempts: 1,
        worker_id: null,
        error: 'CUDA OOM\ntrace',
        exit_code: 137,
        log_tail: 'tail',
      });
      const events = (await h.queue.get(job.id)).events;
      expect(events[events.length - 1]).toMatchObject({ from: 'claimed', to: 'pending', worker_id: 'w1' });
      expect(events[events.length - 1].reason).toContain('will retry at 2026-01-05T09:00:30.000Z: CUDA OOM');
    });

    it('fails for good when retryable but out of attempts, or not retryable', async () => {
      const first = await claimed({ max_attempts: 1, mode: 'x' });
      expect(await h.queue.fail(first.id, { worker_id: 'w1', error: 'boom', retryable: true })).toMatchObject({
        status: 'failed',
        attempts: 1,
        worker_id: null,
      });
      const second = await claimed({ max_attempts: 3, mode: 'y' });
      const failed = await h.queue.fail(second.id, { worker_id: 'w1', error: 'bad hyper', exit_code: 2 });
      expect(failed).toMatchObject({ status: 'failed', exit_code: 2, finished_at: h.clock.now().toISOString() });
    });

    it('on release goes back to pending without counting the attempt', async () => {
      const job = await claimed({ max_attempts: 1 });
      await h.queue.heartbeat(job.id, { worker_id: 'w1' });
      const after = await h.queue.fail(job.id, { worker_id: 'w1', error: 'worker shutdown', release: true });
      expect(after).toMatchObject({
        status: 'pending',
        attempts: 0,
        worker_id: null,
        started_at: null,
        error: 'worker shutdown',
      });
      expect(await h.claim(claimRequest('w2', capability()))).toMatchObject({
        id: job.id,
        attempts: 1,
      });
    });

    it('refuses a worker that does not hold the job', async () => {
      const job = await claimed();
      await expect(h.queue.fail(job.id, { worker_id: 'w2', error: 'x' })).rejects.toThrow(
        'is claimed on worker w1, not w2',
      );
      await h.queue.cancel(job.id);
      await expect(h.queue.fail(job.id, { worker_id: 'w1', error: 'x' })).rejects.toThrow(JobConflictError);
    });
  });

  describe('cancel and requeue', () => {
    it('cancels from pending, claimed, running and failed; again is a no-op; completed is a conflict', async () => {
      const m = manifestOf([{ mode: 'p' }, { mode: 'c' }, { mode: 'r' }, { mode: 'f' }, { mode: 'done' }]);
      await h.queue.reload(m);
      const [p, c, r, f, done] = m.jobs.map((j) => j.id);
      await h.queue.cancel(p);
      for (const id of [c, r, f, done]) {
        const job = await h.claim(claimRequest('w1', capability()));
        expect(job?.id).toBe(id);
      }
      await h.queue.heartbeat(r, { worker_id: 'w1' });
      await h.queue.fail(f, { worker_id: 'w1', error: 'x' });
      await upload(done, SHA);
      await h.queue.complete(done, { worker_id: 'w1', artifact_sha256: SHA });

      for (const id of [c, r, f]) {
        expect(await h.queue.cancel(id)).toMatchObject({ status: 'cancelled', worker_id: null });
      }
      const again = await h.queue.get(p);
      h.clock.advance(10);
      expect(await h.queue.cancel(p)).toMatchObject({ status: 'cancelled', updated_at: again.updated_at });
      await expect(h.queue.cancel(done)).rejects.toThrow(JobConflictError);
      expect((await h.queue.get(r)).events.pop()).toMatchObject({ from: 'running', to: 'cancelled', worker_id: 'w1' });
    });

    it('requeues failed and cancelled jobs with attempts 0 and the error cleared; pending is a no-op', async () => {
      const job = await claimed({ max_attempts: 1 });
      await h.queue.fail(job.id, { worker_id: 'w1', error: 'x', exit_code: 1 });
      const back = await h.queue.requeue(job.id);
      expect(back).toMatchObject({
        status: 'pending',
        attempts: 0,
        error: null,
        exit_code: null,
        worker_id: null,
        finished_at: null,
      });
      h.clock.advance(1);
      expect(await h.queue.requeue(job.id)).toEqual(back);
      await h.queue.cancel(job.id);
      expect(await h.queue.requeue(job.id)).toMatchObject({ status: 'pending' });
      expect(await transitions(job.id)).toEqual([
        '∅>pending',
        'pending>claimed',
        'claimed>failed',
        'failed>pending',
        'pending>cancelled',
        'cancelled>pending',
      ]);
    });

    it('requeues a completed job only with force, and never a claimed or running one', async () => {
      const job = await claimed();
      await expect(h.queue.requeue(job.id)).rejects.toThrow('is claimed on worker w1; cancel it first');
      await h.queue.heartbeat(job.id, { worker_id: 'w1' });
      await expect(h.queue.requeue(job.id, true)).rejects.toThrow(JobConflictError);
      await upload(job.id, SHA);
      await h.queue.complete(job.id, { worker_id: 'w1', artifact_sha256: SHA, metrics: { a: 1 } });
      await expect(h.queue.requeue(job.id)).rejects.toThrow('is completed; requeue it with force: true');
      expect(await h.queue.requeue(job.id, true)).toMatchObject({
        status: 'pending',
        attempts: 0,
        artifact_sha256: null,
        metrics: null,
      });
      expect((await h.queue.get(job.id)).events.pop()?.reason).toBe('requeued by operator (forced)');
    });
  });

  describe('assertUploader', () => {
    it('accepts the holding worker only', async () => {
      const job = await claimed();
      await expect(h.queue.assertUploader(job.id, 'w1')).resolves.toMatchObject({ id: job.id });
      await expect(h.queue.assertUploader(job.id, 'w2')).rejects.toThrow(JobConflictError);
      await h.queue.cancel(job.id);
      await expect(h.queue.assertUploader(job.id, 'w1')).rejects.toThrow('is cancelled');
    });
  });
});
