import { JobConflictError } from './errors';
import { ResultsService } from './results.service';
import { RunsService } from './runs.service';
import {
  bundleBytes,
  capability,
  claimRequest,
  cudaCapability,
  JobsHarness,
  manifestOf,
  startJobs,
} from '../../../test/support/jobs.testing';
import { describeOnPostgres, freshDatabase, TestDatabase } from '../../../test/support/postgres';

/** Connections to `url`'s database other than the asking one. */
async function connectionsTo(url: string): Promise<number> {
  const { Client } = require('pg');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}

/** The queue on PostgreSQL's executor: the pool, row locks, and the dialect's SQL. */
describeOnPostgres('the queue on PostgreSQL', () => {
  let database: TestDatabase;
  let h: JobsHarness;
  beforeEach(async () => {
    database = await freshDatabase();
    h = await startJobs({}, database.url);
  });
  afterEach(async () => {
    await h?.close();
    await database?.drop();
  });

  it('migrates, and hands each job to exactly one of many concurrent claimers', async () => {
    expect(h.db.dialect.name).toBe('postgres');
    await h.queue.reload(manifestOf(Array.from({ length: 30 }, (_, i) => ({ mode: `m${i}` }))));
    const claims = await Promise.all(
      Array.from({ length: 60 }, (_, i) => h.claim(claimRequest(`w${i % 6}`, capability({ hostname: `lab${i % 6}` })))),
    );
    const ids = claims.filter((job) => job !== null).map((job) => job.id);
    expect(ids).toHaveLength(30);
    expect(new Set(ids).size).toBe(30);
    expect(await h.queue.counts()).toMatchObject({ pending: 0, claimed: 30 });
    expect((await h.workers.list()).map((w) => [w.worker_id, w.current_job_ids.length > 0])).toHaveLength(6);
  });

  it('applies eligibility in SQL: CUDA, allowed hosts (a JSON array), allow and deny lists', async () => {
    await h.queue.reload(
      manifestOf([
        { mode: 'cuda', min_vram_gib: 8 },
        { mode: 'lab2-only', allowed_hosts: ['lab2'] },
        { model: 'mlp', mode: 'denied' },
        { mode: 'any' },
      ]),
    );
    const cpu = capability({ hostname: 'lab1' });
    expect((await h.claim(claimRequest('c', cpu, { deny_jobs: ['mlp'] })))?.mode).toBe('any');
    expect(await h.claim(claimRequest('c', cpu, { deny_jobs: ['mlp'] }))).toBeNull();
    expect((await h.claim(claimRequest('l2', capability({ hostname: 'lab2' }), { allow_jobs: ['gbt'] })))?.mode).toBe(
      'lab2-only',
    );
    expect((await h.claim(claimRequest('g', cudaCapability(24, { hostname: 'gpu1' }))))?.mode).toBe('cuda');
  });

  it('counts free GPUs in SQL and hands out the smallest that fit', async () => {
    await h.queue.reload(manifestOf([{ mode: 'pair', gpus: 2, min_vram_gib: 20 }, { mode: 'one', gpus: 1 }]));
    const gpu = cudaCapability(48, { hostname: 'gpu1' });
    const free = [
      { index: 0, name: 'A', vram_gib: 48 },
      { index: 1, name: 'B', vram_gib: 16 },
      { index: 2, name: 'C', vram_gib: 24 },
    ];
    const first = await h.queue.claim(claimRequest('g', gpu, { free_gpus: free, slots: 3 }));
    expect([first?.job.mode, first?.gpus]).toEqual(['pair', [0, 2]]);
    expect(await h.queue.claim(claimRequest('g', gpu, { free_gpus: [], slots: 3 }))).toBeNull();
    const second = await h.queue.claim(claimRequest('g', gpu, { free_gpus: [free[1]], slots: 3 }));
    expect([second?.job.mode, second?.gpus]).toEqual(['one', [1]]);
    const [worker] = await h.workers.list();
    expect(worker.slots).toBe(3);
    expect(worker.current_jobs.map((j) => j.gpus)).toEqual([[0, 2], [1]]);
  });

  it('runs the lifecycle with numbers as numbers, and rolls back a refused transition', async () => {
    await h.queue.reload(manifestOf([{ mode: 'a', max_attempts: 2, seed: 9007199254740991 }]));
    const job = (await h.claim(claimRequest('w1', capability())))!;
    expect(job).toMatchObject({ attempts: 1, max_attempts: 2, seed: 9007199254740991, min_vram_gib: 0 });
    expect(await h.queue.heartbeat(job.id, { worker_id: 'w1' })).toEqual({ status: 'running', cancel: false });
    await expect(h.queue.fail(job.id, { worker_id: 'w2', error: 'not mine' })).rejects.toThrow(JobConflictError);
    await h.queue.fail(job.id, { worker_id: 'w1', error: 'OOM', exit_code: 137, retryable: true });
    expect(await h.claim(claimRequest('w2', capability()))).toBeNull(); // waiting out its backoff
    h.clock.advance(30);
    const again = (await h.claim(claimRequest('w2', capability())))!;
    const sha = await h.storeBundle(job.id, bundleBytes('bundle'));
    const done = await h.queue.complete(again.id, { worker_id: 'w2', artifact_sha256: sha, metrics: { acc: 0.9 } });
    expect(done).toMatchObject({ status: 'completed', attempts: 2, exit_code: null, metrics: { acc: 0.9 } });
    const detail = await h.queue.get(job.id.slice(0, 10));
    expect(detail.events.map((e) => `${e.from ?? '∅'}>${e.to}`)).toEqual([
      '∅>pending', 'pending>claimed', 'claimed>running', 'running>pending', 'pending>claimed', 'claimed>completed',
    ]);
  });

  it('pages through jobs by keyset with counts, and sweeps silent workers', async () => {
    await h.queue.reload(manifestOf(Array.from({ length: 5 }, (_, i) => ({ mode: `m${i}`, max_attempts: 1 }))));
    const first = await h.queue.list({ limit: 2 });
    const second = await h.queue.list({ limit: 2, cursor: first.next_cursor! });
    expect([...first.jobs, ...second.jobs].map((j) => j.mode)).toEqual(['m0', 'm1', 'm2', 'm3']);
    expect(first.counts).toMatchObject({ pending: 5, claimed: 0 });
    await h.claim(claimRequest('w1', capability()));
    h.clock.advance(601);
    expect(await h.sweep.sweep()).toEqual({ requeued: 0, failed: 1, forgotten: 0 });
  });

  it('keeps logs, thinned progress and results per attempt, with numbers as numbers', async () => {
    const runs = h.module.get(RunsService);
    await h.queue.reload(manifestOf([{ mode: 'a' }]));
    const job = await h.mustClaim('w1');
    expect(await runs.appendLog(job.id, { worker_id: 'w1', offset: 0, text: 'one\n' })).toEqual({ size: 4 });
    expect(await runs.appendLog(job.id, { worker_id: 'w1', offset: 0, text: 'one\ntwo\n' })).toEqual({ size: 8 });
    const points = Array.from({ length: 30 }, (_, i) => ({ step: i, loss: 1 / (i + 1) }));
    await runs.postProgress(job.id, { worker_id: 'w1', points: points.slice(0, 15) });
    await runs.postProgress(job.id, { worker_id: 'w1', points: points.slice(15) });
    const kept = (await runs.progress(job.id)).points;
    expect(kept[0]).toMatchObject({ step: 0, values: { loss: 1 } });
    expect(kept[kept.length - 1].step).toBe(29);
    const detail = await h.queue.get(job.id);
    expect(detail).toMatchObject({ attempt: 1, log_size: 8, progress: { step: 29 } });
    expect(detail.runs).toEqual([
      { attempt: 1, worker_id: 'w1', claimed_at: job.claimed_at, log_size: 8, log_truncated: false, progress_points: kept.length },
    ]);
    const sha = await h.storeBundle(job.id, bundleBytes('bundle'));
    await h.queue.complete(job.id, { worker_id: 'w1', artifact_sha256: sha, metrics: { acc: 0.5 } });
    const board = await h.module.get(ResultsService).results({ model: 'gbt' });
    expect(board).toMatchObject({ metric: 'acc', results: [{ job_id: job.id, seed: 0, metrics: { acc: 0.5 } }] });
  });

  it('holds a pipeline job until the jobs it runs after are completed, in the claim itself', async () => {
    await h.queue.reload(
      manifestOf([
        { mode: 'train', name: 'train' },
        { mode: 'ensemble', after: ['train'], priority: 5 },
      ]),
    );
    const train = await h.mustClaim('w1');
    expect(train.mode).toBe('train');
    expect(await h.claim(claimRequest('w2', capability()))).toBeNull();
    const sha = await h.storeBundle(train.id, bundleBytes('trained'));
    await h.queue.complete(train.id, { worker_id: 'w1', artifact_sha256: sha });
    const answer = (await h.queue.claim(claimRequest('w2', capability())))!;
    expect(answer.job.mode).toBe('ensemble');
    expect(answer.inputs).toEqual([expect.objectContaining({ job_id: train.id, name: 'train', artifact_sha256: sha })]);
  });

  it('records the claim with its event in one statement, and refreshes statistics after a large reload', async () => {
    await h.queue.reload(manifestOf(Array.from({ length: 150 }, (_, i) => ({ mode: `m${i}`, max_attempts: 4 }))));
    // Counted inside the reload's transaction: the planner knows the queue before autovacuum does.
    const [{ reltuples }] = await h.db.read((sql) =>
      sql.rows<{ reltuples: number }>(`SELECT reltuples FROM pg_class WHERE relname = 'jobs'`),
    );
    expect(Number(reltuples)).toBe(150);
    const job = (await h.claim(claimRequest('w1', capability())))!;
    const detail = await h.queue.get(job.id);
    expect(detail.events.slice(1)).toEqual([
      { at: job.claimed_at, from: 'pending', to: 'claimed', worker_id: 'w1', reason: 'claimed by w1 (attempt 1 of 4)' },
    ]);
    expect((await h.workers.list()).map((w) => w.worker_id)).toEqual(['w1']);
  });

  it('closes every connection it opened when the module closes', async () => {
    await h.queue.reload(manifestOf([{ mode: 'a' }]));
    await Promise.all(Array.from({ length: 8 }, (_, i) => h.claim(claimRequest(`w${i}`, capability()))));
    expect(await connectionsTo(database.url)).toBeGreaterThan(0);
    await h.close();
    expect(await connectionsTo(database.url)).toBe(0);
  });
});
