import { capability, claimRequest, JobsHarness, jobSpec, manifestOf, startJobs } from '../../../test/support/jobs.testing';

describe('QueueService.reload', () => {
  let h: JobsHarness;
  beforeEach(async () => {
    h = await startJobs();
  });
  afterEach(() => h.close());

  it('adds new jobs as pending with a creation event, and is idempotent', async () => {
    const m = manifestOf([{ mode: 'a' }, { mode: 'b' }, { mode: 'c' }]);
    expect(await h.queue.reload(m)).toEqual({ added: 3, updated: 0, unchanged: 0, orphaned: 0, total: 3 });
    const before = await h.queue.get(m.jobs[0].id);
    h.clock.advance(60);
    expect(await h.queue.reload(m)).toEqual({ added: 0, updated: 0, unchanged: 3, orphaned: 0, total: 3 });
    const after = await h.queue.get(m.jobs[0].id);
    expect(after).toEqual(before);
    expect(after.events).toEqual([
      { at: before.created_at, from: null, to: 'pending', worker_id: null, reason: 'added by manifest' },
    ]);
    expect(after).toMatchObject({ status: 'pending', attempts: 0, in_manifest: true, hyper: {}, train_hosts: [] });
  });

  it('updates constraints, priority, attempts and timeout in place, keeping status, attempts and history', async () => {
    const m = manifestOf([{ mode: 'a' }, { mode: 'b' }]);
    await h.queue.reload(m);
    const claimed = await h.claim(claimRequest('w1', capability()));
    expect(claimed?.id).toBe(m.jobs[0].id);
    h.clock.advance(60);
    const edited = manifestOf([
      {
        mode: 'a',
        min_vram_gib: 8,
        prefer_cuda: true,
        min_ram_gib: 4,
        allowed_hosts: ['lab9'],
        priority: 7,
        max_attempts: 5,
        timeout_s: 3600,
      },
      { mode: 'b' },
    ]);
    expect(edited.jobs[0].id).toBe(m.jobs[0].id);
    expect(await h.queue.reload(edited)).toEqual({ added: 0, updated: 1, unchanged: 1, orphaned: 0, total: 2 });
    const job = await h.queue.get(m.jobs[0].id);
    expect(job).toMatchObject({
      status: 'claimed',
      attempts: 1,
      worker_id: 'w1',
      require_cuda: true,
      prefer_cuda: true,
      min_vram_gib: 8,
      min_ram_gib: 4,
      allowed_hosts: ['lab9'],
      priority: 7,
      max_attempts: 5,
      timeout_s: 3600,
      updated_at: h.clock.now().toISOString(),
    });
    expect(job.events.map((e) => e.to)).toEqual(['pending', 'claimed']);
  });

  it('stores the scheduling fields of SPEC §10 and serializes them, not_before null', async () => {
    const m = manifestOf([
      { mode: 'prep', name: 'prep' },
      {
        mode: 'train',
        name: 'train',
        after: ['prep'],
        gpus: 2,
        retry_on_exit_codes: [1, 75],
        retry_backoff_s: 5,
        retry_backoff_max_s: 60,
      },
    ]);
    await h.queue.reload(m);
    expect(await h.queue.get(m.jobs[0].id)).toMatchObject({
      name: 'prep',
      after: [],
      gpus: 0,
      require_cuda: false,
      retry_on_exit_codes: [75, 137],
      retry_backoff_s: 30,
      retry_backoff_max_s: 3600,
      not_before: null,
    });
    const expected = {
      name: 'train',
      after: ['prep'],
      gpus: 2,
      require_cuda: true,
      retry_on_exit_codes: [1, 75],
      retry_backoff_s: 5,
      retry_backoff_max_s: 60,
      not_before: null,
    };
    expect(await h.queue.get(m.jobs[1].id)).toMatchObject(expected);
    const page = await h.queue.list({});
    expect(page.jobs[1]).toMatchObject(expected);
    expect(await h.queue.reload(m)).toEqual({ added: 0, updated: 0, unchanged: 2, orphaned: 0, total: 2 });
  });

  it.each([
    ['retry_backoff_s', { retry_backoff_s: 90 }],
    ['retry_backoff_max_s', { retry_backoff_max_s: 10 }],
    ['retry_on_exit_codes', { retry_on_exit_codes: [75] }],
    ['gpus', { gpus: 3 }],
    ['name', { name: 'renamed' }],
    ['after', { after: ['b'] }],
  ])('counts an edit of %s as updated, in place', async (field, change) => {
    const m = manifestOf([{ mode: 'a' }, { mode: 'b', name: 'b' }]);
    await h.queue.reload(m);
    h.clock.advance(60);
    const edited = manifestOf([{ mode: 'a', ...change }, { mode: 'b', name: 'b' }]);
    expect(edited.jobs[0].id).toBe(m.jobs[0].id);
    expect(await h.queue.reload(edited)).toEqual({ added: 0, updated: 1, unchanged: 1, orphaned: 0, total: 2 });
    const job = await h.queue.get(m.jobs[0].id);
    expect(job).toMatchObject({ ...change, updated_at: h.clock.now().toISOString() });
    expect(job.events.map((e) => e.to)).toEqual(['pending']);
    expect(field in job).toBe(true);
  });

  it('keeps jobs that left the manifest, marked in_manifest: false, and counts them as orphaned', async () => {
    const m = manifestOf([{ mode: 'a' }, { mode: 'b' }, { mode: 'c' }]);
    await h.queue.reload(m);
    const [a, b, c] = m.jobs;
    const smaller = { ...m, jobs: [jobSpec({ ...c, id: c.id }, 0)] };
    expect(await h.queue.reload(smaller)).toEqual({ added: 0, updated: 0, unchanged: 1, orphaned: 2, total: 1 });
    expect(await h.queue.reload(smaller)).toEqual({ added: 0, updated: 0, unchanged: 1, orphaned: 2, total: 1 });
    expect(await h.queue.get(a.id)).toMatchObject({ status: 'pending', in_manifest: false });
    expect((await h.queue.get(c.id)).in_manifest).toBe(true);
    // Back in the manifest: in_manifest again, which is an update.
    expect(await h.queue.reload(m)).toEqual({ added: 0, updated: 2, unchanged: 1, orphaned: 0, total: 3 });
    expect((await h.queue.get(b.id)).in_manifest).toBe(true);
    expect((await h.queue.counts()).pending).toBe(3);
  });

  it('stores the new manifest order, which the claim follows', async () => {
    const m = manifestOf([{ mode: 'a' }, { mode: 'b' }]);
    await h.queue.reload(m);
    const reversed = { ...m, jobs: [jobSpec({ ...m.jobs[1] }, 0), jobSpec({ ...m.jobs[0] }, 1)] };
    expect(await h.queue.reload(reversed)).toEqual({ added: 0, updated: 0, unchanged: 2, orphaned: 0, total: 2 });
    expect((await h.claim(claimRequest('w1', capability())))?.mode).toBe('b');
  });

  it('applies 10,000 jobs, then an unchanged reload of them, in one read', async () => {
    const jobs = Array.from({ length: 10_000 }, (_, i) => ({ model: `m${i % 10}`, mode: 'x' }));
    const m = manifestOf(jobs);
    expect(await h.queue.reload(m)).toMatchObject({ added: 10_000, total: 10_000 });
    const statements: string[] = [];
    const logger = h.dataSource.logger;
    const spy = jest.spyOn(logger, 'logQuery').mockImplementation((query: string) => void statements.push(query));
    expect(await h.queue.reload(m)).toEqual({ added: 0, updated: 0, unchanged: 10_000, orphaned: 0, total: 10_000 });
    spy.mockRestore();
    expect(statements.filter((q) => /^\s*(INSERT|UPDATE|DELETE)/i.test(q))).toEqual([]);
    expect(statements.filter((q) => /SELECT/i.test(q)).length).toBeGreaterThan(0);
    expect((await h.queue.counts()).pending).toBe(10_000);
    const events: { n: number }[] = await h.dataSource.query(`SELECT COUNT(*) AS n FROM job_events`);
    expect(Number(events[0].n)).toBe(10_000);
  });
});
