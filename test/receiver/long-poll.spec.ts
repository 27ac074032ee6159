import { HeldClaims } from '@cis490/jobs';
import { DRIVERS } from '../support/postgres';
import { waitFor } from '../support/wait-for';
import { claimBody, Harness, operator, startReceiver } from '../support/receiver.harness';
import { jobsToml } from '../support/manifest.fixtures';
import { bundleBytes } from '../support/jobs.testing';
import { sha256 } from '../support/bundles';

const ONE = jobsToml([{ model: 'gbt', mode: 'realistic', seed: 1 }]);

describe.each(DRIVERS)('long-poll claims (SPEC §10 wait_s) on %s', (driver) => {
  const start = (manifest: string, env: Record<string, string> = {}) => startReceiver(manifest, env, driver);
  let h: Harness;
  const inject = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    h.app.inject({ method, url, payload: payload as object, headers });
  /** A claim held up to `waitS`; resolves with its answer. */
  const held = (worker: string, waitS = 30) => inject('POST', `/v1/job/claim?wait_s=${waitS}`, claimBody(worker));
  /** Lets the held claims reach their wait. */
  const settle = () => new Promise((r) => setTimeout(r, 100));

  afterEach(() => h?.close());

  it('answers at once when a job is eligible, and 204 after wait_s when none becomes so', async () => {
    h = await start(ONE);
    expect((await held('lab1', 5)).statusCode).toBe(200);
    const started = Date.now();
    const none = await held('lab1', 1);
    expect(none.statusCode).toBe(204);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('is answered by a reload that adds a job', async () => {
    h = await start('');
    const waiting = held('lab1');
    await settle();
    h.writeManifest(ONE);
    expect((await inject('POST', '/v1/manifest/reload', {}, operator)).statusCode).toBe(200);
    const answer = await waiting;
    expect(answer.statusCode).toBe(200);
    expect(answer.json().job).toMatchObject({ model: 'gbt', worker_id: 'lab1' });
  });

  it('is answered by a requeue and by a release', async () => {
    h = await start(ONE);
    const job = (await held('lab1')).json().job;
    await inject('POST', `/v1/job/${job.id}/fail`, { worker_id: 'lab1', error: 'boom' });
    const waiting = held('lab2');
    await settle();
    expect((await inject('POST', `/v1/job/${job.id}/requeue`, {}, operator)).json().status).toBe('pending');
    expect((await waiting).json().job).toMatchObject({ id: job.id, worker_id: 'lab2' });

    const next = held('lab3');
    await settle();
    await inject('POST', `/v1/job/${job.id}/fail`, { worker_id: 'lab2', error: 'worker shutdown', release: true });
    expect((await next).json().job).toMatchObject({ id: job.id, worker_id: 'lab3' });
  });

  it('is answered when a retry’s backoff runs out', async () => {
    h = await start(jobsToml([{ model: 'gbt', mode: 'realistic', retry_backoff_s: 1 }]));
    const job = (await held('lab1')).json().job;
    const failed = await inject('POST', `/v1/job/${job.id}/fail`, { worker_id: 'lab1', error: 'OOM', exit_code: 137 });
    expect(failed.json()).toMatchObject({ status: 'pending', not_before: expect.any(String) });
    const answer = await held('lab2');
    expect(answer.json().job).toMatchObject({ id: job.id, worker_id: 'lab2', attempts: 2 });
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(failed.json().not_before));
  });

  it('is answered when the last job another runs after completes', async () => {
    h = await start(
      jobsToml([
        { model: 'gbt', mode: 'train', name: 'train' },
        { model: 'gbt', mode: 'ensemble', after: ['train'] },
      ]),
    );
    const train = (await held('lab1')).json().job;
    const waiting = held('lab2');
    await settle();
    const bundle = bundleBytes('trained');
    await inject('PUT', `/v1/model/${train.id}`, bundle, { 'content-type': 'application/zstd', 'x-worker-id': 'lab1' });
    await inject('POST', `/v1/job/${train.id}/complete`, { worker_id: 'lab1', artifact_sha256: sha256(bundle) });
    const answer = (await waiting).json();
    expect(answer.job).toMatchObject({ mode: 'ensemble', worker_id: 'lab2' });
    expect(answer.inputs).toEqual([expect.objectContaining({ job_id: train.id, artifact_sha256: sha256(bundle) })]);
  });

  it('is answered by a reload that opens a host to a job it could not run before', async () => {
    const gated = jobsToml([{ model: 'gbt', mode: 'realistic', allowed_hosts: ['lab9'] }]);
    h = await start(gated);
    const waiting = held('lab1');
    await settle();
    h.writeManifest(jobsToml([{ model: 'gbt', mode: 'realistic', allowed_hosts: ['lab9', 'lab1'] }]));
    await inject('POST', '/v1/manifest/reload', {}, operator);
    expect((await waiting).statusCode).toBe(200);
  });

  it('hands each of 200 jobs to exactly one of 200 held claims', async () => {
    h = await start('');
    const claims = Array.from({ length: 200 }, (_, i) => held(`w${i}`, 20));
    await settle();
    h.writeManifest(jobsToml(Array.from({ length: 200 }, (_, i) => ({ model: 'gbt', mode: 'realistic', seed: i }))));
    await inject('POST', '/v1/manifest/reload', {}, operator);
    const answers = await Promise.all(claims);
    const ids = answers.map((a) => a.json().job.id);
    expect(new Set(ids).size).toBe(200);
    expect((await inject('GET', '/v1/jobs?limit=1')).json().counts).toMatchObject({ pending: 0, claimed: 200 });
  }, 30_000);

  it('answers held claims 204 at once when the receiver shuts down', async () => {
    h = await start('');
    const waiting = held('lab1', 60);
    await settle();
    const started = Date.now();
    const closing = h.app.close();
    expect((await waiting).statusCode).toBe(204);
    await closing;
    expect(Date.now() - started).toBeLessThan(5_000);
    h = undefined as unknown as Harness;
  });

  it('names a bad wait_s', async () => {
    h = await start('');
    for (const bad of ['61', '-1', 'soon', '1.5']) {
      const r = await inject('POST', `/v1/job/claim?wait_s=${bad}`, claimBody('lab1'));
      expect(r.statusCode).toBe(400);
      expect(JSON.stringify(r.json().message)).toMatch(/wait_s must be a whole number of seconds from 0 to 60/);
    }
  });

  it('hands no job to a worker that hung up while its claim was held', async () => {
    h = await start('');
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = h.app.getHttpServer().address() as { port: number };
    const hangUp = new AbortController();
    const gone = fetch(`http://127.0.0.1:${port}/v1/job/claim?wait_s=30`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(claimBody('lab1')),
      signal: hangUp.signal,
    }).catch(() => 'aborted');
    const claims = h.app.get(HeldClaims);
    await waitFor('the claim to be held', () => claims.held === 1);
    hangUp.abort();
    expect(await gone).toBe('aborted');
    // The receiver learns of the hang-up from the socket; a loaded machine may take a while to tell it.
    await waitFor('the receiver to let go of the claim', () => claims.held === 0);
    h.writeManifest(ONE);
    await inject('POST', '/v1/manifest/reload', {}, operator);
    await settle();
    expect((await inject('GET', '/v1/jobs?limit=1')).json().counts).toMatchObject({ pending: 1, claimed: 0 });
  });
});
