import type { HostSpec } from '@cis490/manifest';
import type { JobView } from '@cis490/contract';
import { capability, claimRequest, cudaCapability, JobsHarness, manifestOf, startJobs } from '../../../test/support/jobs.testing';

describe('claim', () => {
  let h: JobsHarness;
  beforeEach(async () => {
    h = await startJobs();
  });
  afterEach(() => h.close());

  const cpu = capability({ hostname: 'lab1' });
  const gpu = cudaCapability(24, { hostname: 'gpu1' });

  /** Claims until nothing is left; answers the models' modes in claim order. */
  async function drain(worker: string, cap = cpu, host?: HostSpec, extra = {}): Promise<string[]> {
    const order: string[] = [];
    h.useHosts(host ? [host] : []);
    for (;;) {
      const job = await h.claim(claimRequest(worker, cap, extra));
      if (!job) return order;
      order.push(job.mode);
    }
  }

  it('hands out the job with attempts += 1, the worker and timestamps, and records the claim', async () => {
    await h.queue.reload(manifestOf([{ mode: 'a', max_attempts: 2 }]));
    const job = (await h.claim(claimRequest('w1', cpu))) as JobView;
    const now = h.clock.now().toISOString();
    expect(job).toMatchObject({ status: 'claimed', attempts: 1, worker_id: 'w1', claimed_at: now, heartbeat_at: now });
    expect(await h.claim(claimRequest('w1', cpu))).toBeNull();
    const detail = await h.queue.get(job.id);
    expect(detail.events.map((e) => [e.from, e.to, e.worker_id])).toEqual([
      [null, 'pending', null],
      ['pending', 'claimed', 'w1'],
    ]);
    expect(detail.events[1].reason).toBe('claimed by w1 (attempt 1 of 2)');
  });

  it('orders by priority, then manifest order', async () => {
    await h.queue.reload(
      manifestOf([{ mode: 'a' }, { mode: 'b', priority: 5 }, { mode: 'c' }, { mode: 'd', priority: 5 }]),
    );
    expect(await drain('w1')).toEqual(['b', 'd', 'a', 'c']);
  });

  it('gives prefer_cuda jobs first to CUDA workers and last to CPU workers', async () => {
    const m = manifestOf([{ mode: 'a' }, { mode: 'p', prefer_cuda: true }, { mode: 'b' }, { mode: 'hi', priority: 1 }]);
    await h.queue.reload(m);
    expect(await drain('g', gpu)).toEqual(['hi', 'p', 'a', 'b']);
    for (const j of m.jobs) await h.queue.cancel(j.id).then(() => h.queue.requeue(j.id));
    expect(await drain('c', cpu)).toEqual(['hi', 'a', 'b', 'p']);
  });

  it('gives CUDA-only jobs (require_cuda or min_vram_gib) only to CUDA workers with enough VRAM', async () => {
    await h.queue.reload(
      manifestOf([
        { mode: 'cuda', require_cuda: true },
        { mode: 'vram8', min_vram_gib: 8 },
        { mode: 'vram40', min_vram_gib: 40 },
        { mode: 'any' },
      ]),
    );
    expect(await drain('c', cpu)).toEqual(['any']);
    expect(await drain('g', gpu)).toEqual(['cuda', 'vram8']);
    expect(await drain('big', cudaCapability(80, { hostname: 'a100' }))).toEqual(['vram40']);
  });

  it('serializes require_cuda as it takes effect', async () => {
    await h.queue.reload(manifestOf([{ mode: 'v', min_vram_gib: 8, require_cuda: false }]));
    const job = await h.claim(claimRequest('g', gpu));
    expect(job).toMatchObject({ require_cuda: true, min_vram_gib: 8 });
  });

  it('checks RAM', async () => {
    await h.queue.reload(
      manifestOf([
        { mode: 'ram64', min_ram_gib: 64 },
        { mode: 'ram32', min_ram_gib: 32 },
      ]),
    );
    expect(await drain('c', cpu)).toEqual(['ram32']);
    expect(await drain('big', capability({ hostname: 'big', ram_gib: 128 }))).toEqual(['ram64']);
  });

  it('honours allowed_hosts by the claim hostname', async () => {
    await h.queue.reload(manifestOf([{ mode: 'only2', allowed_hosts: ['lab2', 'lab3'] }, { mode: 'any' }]));
    expect(await drain('c', cpu)).toEqual(['any']);
    expect(await drain('w2', capability({ hostname: 'lab2' }))).toEqual(['only2']);
  });

  it('applies host caps: cuda = false hides a GPU, VRAM and RAM are capped', async () => {
    await h.queue.reload(
      manifestOf([
        { mode: 'cuda', require_cuda: true },
        { mode: 'ram', min_ram_gib: 16 },
        { mode: 'vram', min_vram_gib: 16 },
      ]),
    );
    expect(await drain('g', gpu, { hostname: 'gpu1', cuda: false, ram_gib: 8 })).toEqual([]);
    expect(await drain('g', gpu, { hostname: 'gpu1', vram_gib: 12 })).toEqual(['cuda', 'ram']);
    expect(await drain('g', gpu)).toEqual(['vram']);
  });

  it('applies host and worker allow/deny lists; deny wins', async () => {
    const m = manifestOf([
      { model: 'gbt', mode: 'gbt' },
      { model: 'mlp', mode: 'mlp' },
      { model: 'cnn', mode: 'cnn' },
    ]);
    await h.queue.reload(m);
    const host: HostSpec = { hostname: 'lab1', allow_jobs: ['gbt', 'mlp'], deny_jobs: ['mlp'] };
    expect(await drain('c', cpu, host)).toEqual(['gbt']);
    expect(await drain('c', cpu, undefined, { allow_jobs: ['cnn', 'mlp'], deny_jobs: ['cnn'] })).toEqual(['mlp']);
    // cnn is left: the host allows gbt and cnn, the worker only cnn; the combined list is their intersection.
    expect(await drain('c', cpu, { hostname: 'lab1', allow_jobs: ['gbt', 'cnn'] }, { allow_jobs: ['cnn'] })).toEqual([
      'cnn',
    ]);
  });

  it('claims nothing when the combined allow list is empty', async () => {
    await h.queue.reload(manifestOf([{ model: 'gbt' }]));
    expect(await drain('c', cpu, { hostname: 'lab1', allow_jobs: ['gbt'] }, { allow_jobs: ['mlp'] })).toEqual([]);
  });

  it('hands each job out exactly once to 250 concurrent claims, with one claim event each', async () => {
    await h.queue.reload(manifestOf(Array.from({ length: 100 }, (_, i) => ({ mode: `m${i}` }))));
    const answers = await Promise.all(
      Array.from({ length: 250 }, (_, i) => h.claim(claimRequest(`w${i % 7}`, cpu))),
    );
    const claimed = answers.filter((j): j is JobView => j !== null);
    expect(claimed).toHaveLength(100);
    expect(new Set(claimed.map((j) => j.id)).size).toBe(100);
    const events: { job_id: string; n: number }[] = await h.dataSource.query(
      `SELECT job_id, COUNT(*) AS n FROM job_events WHERE to_status = 'claimed' GROUP BY job_id`,
    );
    expect(events).toHaveLength(100);
    expect(events.every((e) => Number(e.n) === 1)).toBe(true);
    expect((await h.queue.counts()).claimed).toBe(100);
  });
});
