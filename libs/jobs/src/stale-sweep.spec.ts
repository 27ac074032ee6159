import { QueueRepository } from './queue.repository';
import { FORGET_WORKERS_AFTER_DAYS } from './stale-sweep.service';
import { capability, claimRequest, JobsHarness, manifestOf, startJobs } from '../../../test/support/jobs.testing';

describe('StaleSweepService', () => {
  let h: JobsHarness;
  beforeEach(async () => {
    h = await startJobs({ staleAfterS: 600 });
  });
  afterEach(() => h.close());

  const claim = (worker: string) => h.mustClaim(worker);

  it('leaves jobs whose heartbeat is recent enough', async () => {
    await h.queue.reload(manifestOf([{}]));
    const job = await claim('lab2');
    h.clock.advance(600);
    expect(await h.sweep.sweep()).toEqual({ requeued: 0, failed: 0, forgotten: 0 });
    expect((await h.queue.get(job.id)).status).toBe('claimed');
  });

  it("requeues a silent worker's job with attempts left, saying who went silent and for how long", async () => {
    await h.queue.reload(manifestOf([{ max_attempts: 2 }]));
    const job = await claim('lab2');
    await h.queue.heartbeat(job.id, { worker_id: 'lab2' });
    h.clock.advance(734);
    expect(await h.sweep.sweep()).toEqual({ requeued: 1, failed: 0, forgotten: 0 });
    const after = await h.queue.get(job.id);
    const message = 'worker lab2 went silent: no heartbeat for 734 s (stale after 600 s)';
    expect(after).toMatchObject({
      status: 'pending',
      worker_id: null,
      attempts: 1,
      error: message,
      heartbeat_at: null,
    });
    expect(after.events.pop()).toMatchObject({ from: 'running', to: 'pending', worker_id: 'lab2', reason: message });
    // The silent worker learns on its next heartbeat that the job is gone.
    expect(await h.queue.heartbeat(job.id, { worker_id: 'lab2' })).toEqual({ status: 'pending', cancel: true });
  });

  it('fails the job when its attempts are used up', async () => {
    await h.queue.reload(manifestOf([{ max_attempts: 2 }]));
    const first = await claim('lab1');
    h.clock.advance(601);
    await h.sweep.sweep();
    // The sweep's retry waits out its backoff too (30 s, the default).
    h.clock.advance(30);
    await claim('lab2');
    h.clock.advance(900);
    expect(await h.sweep.sweep()).toEqual({ requeued: 0, failed: 1, forgotten: 0 });
    const after = await h.queue.get(first.id);
    expect(after).toMatchObject({
      status: 'failed',
      attempts: 2,
      worker_id: null,
      error: 'worker lab2 went silent: no heartbeat for 900 s (stale after 600 s)',
      finished_at: h.clock.now().toISOString(),
    });
    expect(after.events.map((e) => e.to)).toEqual(['pending', 'claimed', 'pending', 'claimed', 'failed']);
  });

  it('does not take back a job whose heartbeat arrived after it was judged stale', async () => {
    await h.queue.reload(manifestOf([{}, {}]));
    const a = await claim('lab1');
    const b = await claim('lab1');
    h.clock.advance(700);
    const repo = h.module.get(QueueRepository);
    const findStale = repo.findStale.bind(repo);
    jest.spyOn(repo, 'findStale').mockImplementationOnce(async (db, cutoff) => {
      const stale = await findStale(db, cutoff);
      // b's heartbeat lands between the sweep's read and its update.
      await db.run(`UPDATE jobs SET heartbeat_at = $1 WHERE id = $2`, [h.clock.now().toISOString(), b.id]);
      return stale;
    });
    expect(await h.sweep.sweep()).toEqual({ requeued: 1, failed: 0, forgotten: 0 });
    expect((await h.queue.get(a.id)).status).toBe('pending');
    const kept = await h.queue.get(b.id);
    expect(kept).toMatchObject({ status: 'claimed', worker_id: 'lab1' });
    expect(kept.events.map((e) => e.to)).toEqual(['pending', 'claimed']);
  });
});

describe('the sweep forgets workers', () => {
  let h: JobsHarness;
  beforeEach(async () => {
    // Silent for a week yet not stale: the job stays with its worker.
    h = await startJobs({ staleAfterS: 30 * 86_400 });
  });
  afterEach(() => h.close());

  it('unseen for a week and holding no job; a worker holding a job is kept however long it is silent', async () => {
    await h.queue.reload(manifestOf([{ max_attempts: 5 }, { max_attempts: 5 }]));
    await h.mustClaim('busy');
    await h.mustClaim('idle');
    await h.queue.fail((await h.workers.list()).find((w) => w.worker_id === 'idle')!.current_job_ids[0], {
      worker_id: 'idle',
      error: 'stopped',
      release: true,
    });
    h.clock.advance(FORGET_WORKERS_AFTER_DAYS * 86_400 + 1);
    await h.claim(claimRequest('recent', capability({ hostname: 'recent' })));
    expect(await h.sweep.sweep()).toEqual({ requeued: 0, failed: 0, forgotten: 1 });
    expect((await h.workers.list()).map((w) => w.worker_id).sort()).toEqual(['busy', 'recent']);
    expect((await h.sweep.sweep()).forgotten).toBe(0);
  });
});
