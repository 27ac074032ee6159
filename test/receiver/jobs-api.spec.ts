import { DRIVERS } from '../support/postgres';
import { claimBody, gpuCapability, Harness, operator, startReceiver } from '../support/receiver.harness';

const MANIFEST = `
[[jobs]]
model = "gbt"
mode = "realistic"
seed = 1

[[jobs]]
model = "transformer"
mode = "oracle"
min_vram_gib = 16

[[jobs]]
model = "logreg"
mode = "realistic"
priority = 5
`;

describe.each(DRIVERS)('receiver job API on %s', (driver) => {
  const start = (manifest: string, env: Record<string, string> = {}) => startReceiver(manifest, env, driver);
  let h: Harness;
  const inject = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    h.app.inject({ method, url, payload: payload as object, headers });

  beforeEach(async () => {
    h = await start(MANIFEST);
  });
  afterEach(() => h.close());

  it('claims by priority, answers 204 when nothing is eligible, and never hands out a CUDA job to a CPU host', async () => {
    const first = await inject('POST', '/v1/job/claim', claimBody('lab1'));
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({
      job: { model: 'logreg', status: 'claimed', attempts: 1, worker_id: 'lab1' },
      heartbeat_interval_s: 30,
      stale_after_s: 600,
    });
    const second = await inject('POST', '/v1/job/claim', claimBody('lab1'));
    expect(second.json().job.model).toBe('gbt');
    const none = await inject('POST', '/v1/job/claim', claimBody('lab1'));
    expect(none.statusCode).toBe(204);
    expect(none.body).toBe('');

    const gpu = await inject('POST', '/v1/job/claim', claimBody('gpu1', { capability: gpuCapability(24, { hostname: 'gpu1' }) }));
    expect(gpu.statusCode).toBe(200);
    expect(gpu.json().job).toMatchObject({ model: 'transformer', require_cuda: true, min_vram_gib: 16 });
  });

  it('heartbeats move claimed → running and answer 409 with cancel: true once the job is taken away', async () => {
    const { job } = (await inject('POST', '/v1/job/claim', claimBody('lab1'))).json();
    const beat = await inject('POST', `/v1/job/${job.id}/heartbeat`, { worker_id: 'lab1', log_tail: 'epoch 1' });
    expect(beat.statusCode).toBe(200);
    expect(beat.json()).toEqual({ status: 'running', cancel: false });

    const foreign = await inject('POST', `/v1/job/${job.id}/heartbeat`, { worker_id: 'lab2' });
    expect(foreign.statusCode).toBe(409);
    expect(foreign.json()).toMatchObject({ cancel: true });

    expect((await inject('POST', `/v1/job/${job.id}/cancel`, undefined, operator)).json().status).toBe('cancelled');
    const after = await inject('POST', `/v1/job/${job.id}/heartbeat`, { worker_id: 'lab1' });
    expect(after.statusCode).toBe(409);
    expect(after.json()).toEqual({ status: 'cancelled', cancel: true });

    const detail = (await inject('GET', `/v1/job/${job.id}`)).json();
    expect(detail.log_tail).toBe('epoch 1');
    expect(detail.events.map((e: { to: string }) => e.to)).toEqual(['pending', 'claimed', 'running', 'cancelled']);
  });

  it('complete needs an uploaded artifact (422) and the owning worker (409)', async () => {
    const { job } = (await inject('POST', '/v1/job/claim', claimBody('lab1'))).json();
    const sha = 'a'.repeat(64);
    const missing = await inject('POST', `/v1/job/${job.id}/complete`, { worker_id: 'lab1', artifact_sha256: sha });
    expect(missing.statusCode).toBe(422);
    expect(missing.json()).toMatchObject({ statusCode: 422, error: 'Unprocessable Entity' });
    const foreign = await inject('POST', `/v1/job/${job.id}/complete`, { worker_id: 'lab2', artifact_sha256: sha });
    expect(foreign.statusCode).toBe(409);
    expect((await inject('GET', `/v1/job/${job.id}`)).json().status).toBe('claimed');
  });

  it('fail: retryable with attempts left → pending, release does not count the attempt, otherwise failed', async () => {
    let { job } = (await inject('POST', '/v1/job/claim', claimBody('lab1'))).json();
    const released = await inject('POST', `/v1/job/${job.id}/fail`, { worker_id: 'lab1', error: 'worker shutdown', release: true });
    expect(released.statusCode).toBe(200);
    expect(released.json()).toMatchObject({ status: 'pending', attempts: 0, worker_id: null });

    ({ job } = (await inject('POST', '/v1/job/claim', claimBody('lab1'))).json());
    expect(job.attempts).toBe(1);
    const retry = await inject('POST', `/v1/job/${job.id}/fail`, { worker_id: 'lab1', error: 'flaky', retryable: true });
    expect(retry.json()).toMatchObject({ status: 'pending', attempts: 1, error: 'flaky' });

    ({ job } = (await inject('POST', '/v1/job/claim', claimBody('lab1'))).json());
    const failed = await inject('POST', `/v1/job/${job.id}/fail`, {
      worker_id: 'lab1', error: 'exit 3: boom', exit_code: 3, log_tail: 'x'.repeat(70 * 1024),
    });
    expect(failed.json()).toMatchObject({ status: 'failed', exit_code: 3, error: 'exit 3: boom' });
    expect(failed.json().log_tail.length).toBe(64 * 1024);

    const foreign = await inject('POST', `/v1/job/${job.id}/fail`, { worker_id: 'lab2', error: 'x' });
    expect(foreign.statusCode).toBe(409);
  });

  it('cancel and requeue follow the lifecycle: 409 on completed without force, while claimed', async () => {
    const { job } = (await inject('POST', '/v1/job/claim', claimBody('lab1'))).json();
    const busy = await inject('POST', `/v1/job/${job.id}/requeue`, {}, operator);
    expect(busy.statusCode).toBe(409);
    expect((await inject('POST', `/v1/job/${job.id}/cancel`, undefined, operator)).statusCode).toBe(200);
    expect((await inject('POST', `/v1/job/${job.id}/cancel`, undefined, operator)).json().status).toBe('cancelled');
    const requeued = await inject('POST', `/v1/job/${job.id}/requeue`, undefined, operator);
    expect(requeued.statusCode).toBe(200);
    expect(requeued.json()).toMatchObject({ status: 'pending', attempts: 0, error: null });
    const again = await inject('POST', `/v1/job/${job.id}/requeue`, {}, operator);
    expect(again.json().status).toBe('pending');
  });

  it('resolves id prefixes of 8+ hex characters; shorter or unknown → 404', async () => {
    const { jobs } = (await inject('GET', '/v1/jobs')).json();
    const id: string = jobs[0].id;
    expect((await inject('GET', `/v1/job/${id.slice(0, 8)}`)).json().id).toBe(id);
    expect((await inject('GET', `/v1/job/${id.slice(0, 7)}`)).statusCode).toBe(404);
    expect((await inject('GET', `/v1/job/${'0'.repeat(64)}`)).statusCode).toBe(404);
    const notFound = await inject('GET', '/v1/job/zzzzzzzzzz');
    expect(notFound.statusCode).toBe(404);
    expect(notFound.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });

  it('lists with filters, counts over all jobs, and pages with a cursor', async () => {
    await inject('POST', '/v1/job/claim', claimBody('lab1'));
    const all = (await inject('GET', '/v1/jobs')).json();
    expect(all.jobs).toHaveLength(3);
    expect(all.counts).toEqual({ pending: 2, claimed: 1, running: 0, completed: 0, failed: 0, cancelled: 0 });
    expect(all.next_cursor).toBeNull();

    const claimed = (await inject('GET', '/v1/jobs?status=claimed')).json();
    expect(claimed.jobs.map((j: { model: string }) => j.model)).toEqual(['logreg']);
    expect(claimed.counts.pending).toBe(2);
    expect((await inject('GET', '/v1/jobs?model=gbt&mode=realistic')).json().jobs).toHaveLength(1);
    expect((await inject('GET', '/v1/jobs?worker_id=lab1')).json().jobs).toHaveLength(1);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { jobs: { id: string }[]; next_cursor: string | null } = (
        await inject('GET', `/v1/jobs?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      ).json();
      seen.push(...page.jobs.map((j) => j.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all.jobs.map((j: { id: string }) => j.id));

    for (const bad of ['limit=0', 'limit=1001', 'limit=abc', 'status=done']) {
      const r = await inject('GET', `/v1/jobs?${bad}`);
      expect(r.statusCode).toBe(400);
      expect(JSON.stringify(r.json().message)).toMatch(bad.startsWith('limit') ? /limit/ : /status/);
    }
  });

  it('explains why a pending job waits', async () => {
    await inject('POST', '/v1/job/claim', claimBody('lab1'));
    const { jobs } = (await inject('GET', '/v1/jobs?model=transformer')).json();
    const detail = (await inject('GET', `/v1/job/${jobs[0].id}`)).json();
    expect(detail.pending_reason).toMatch(/CUDA/);
    const claimed = (await inject('GET', '/v1/jobs?status=claimed')).json().jobs[0];
    expect((await inject('GET', `/v1/job/${claimed.id}`)).json().pending_reason).toBeNull();
  });

  it('lists workers with their capability, online flag and current jobs', async () => {
    const { job } = (await inject('POST', '/v1/job/claim', claimBody('lab1'))).json();
    const { workers } = (await inject('GET', '/v1/workers')).json();
    expect(workers).toEqual([
      expect.objectContaining({ worker_id: 'lab1', hostname: 'lab1', online: true, current_job_ids: [job.id] }),
    ]);
    expect(workers[0].capability.cores).toBe(4);
  });

  it('reloads idempotently, updates constraints in place, orphans removed jobs, and rejects a bad manifest whole', async () => {
    const same = await inject('POST', '/v1/manifest/reload', undefined, operator);
    expect(same.statusCode).toBe(200);
    expect(same.json()).toMatchObject({ added: 0, updated: 0, unchanged: 3, orphaned: 0, total: 3 });

    h.writeManifest(MANIFEST.replace('priority = 5', 'priority = 9').replace(/\[\[jobs\]\]\nmodel = "transformer"[^[]*/, '')
      + '\n[[jobs]]\nmodel = "mlp"\nmode = "oracle"\n');
    const changed = (await inject('POST', '/v1/manifest/reload', undefined, operator)).json();
    expect(changed).toMatchObject({ added: 1, updated: 1, unchanged: 1, orphaned: 1, total: 3 });
    const logreg = (await inject('GET', '/v1/jobs?model=logreg')).json().jobs[0];
    expect(logreg.priority).toBe(9);
    expect((await inject('GET', '/v1/jobs?model=transformer')).json().jobs[0].in_manifest).toBe(false);

    h.writeManifest('[[jobs]]\nmodel = "gbt"\nmode = "x"\nrequre_cuda = true\n\n[[jobs]]\nmodel = "bad name"\nmode = "y"\n');
    const rejected = await inject('POST', '/v1/manifest/reload', undefined, operator);
    expect(rejected.statusCode).toBe(422);
    const paths = rejected.json().errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['jobs[0].requre_cuda', 'jobs[1].model']));
    expect((await inject('GET', '/v1/jobs')).json().jobs).toHaveLength(4);

    h.writeManifest('[[jobs]\nmodel = "gbt"\n');
    const syntax = (await inject('POST', '/v1/manifest/reload', undefined, operator)).json();
    expect(syntax.errors[0]).toMatchObject({ line: 1 });
    expect((await inject('GET', '/v1/health')).json().manifest.error).toBeTruthy();
  });

  it('serves health, metrics and the OpenAPI document', async () => {
    await inject('POST', '/v1/job/claim', claimBody('lab1'));
    const health = await inject('GET', '/v1/health');
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({
      status: 'ok', db: 'ok', manifest: { path: h.manifestPath, jobs: 3, error: null },
      counts: { pending: 2, claimed: 1 },
    });
    expect(typeof health.json().version).toBe('string');

    const metrics = await inject('GET', '/metrics');
    expect(metrics.headers['content-type']).toMatch(/text\/plain/);
    for (const name of [
      'cis490_jobs{status="pending"} 2', 'cis490_claims_total 1', 'cis490_sweep_requeued_total 0',
      'cis490_sweep_failed_total 0', 'cis490_uploads_total 0', 'cis490_upload_bytes_total 0',
      'cis490_http_request_duration_seconds_bucket',
    ]) {
      expect(metrics.body).toContain(name);
    }

    const doc = (await inject('GET', '/docs-json')).json();
    for (const path of [
      '/v1/job/claim', '/v1/job/{id}/heartbeat', '/v1/job/{id}/complete', '/v1/job/{id}/fail', '/v1/model/{id}',
      '/v1/jobs', '/v1/job/{id}', '/v1/workers', '/v1/job/{id}/cancel', '/v1/job/{id}/requeue',
      '/v1/manifest/reload', '/v1/health', '/v1/models', '/v1/models/{sha256}', '/metrics',
      '/v1/job/{id}/log', '/v1/job/{id}/progress', '/v1/events', '/v1/results',
    ]) {
      expect(doc.paths[path]).toBeDefined();
    }
    expect(Object.keys(doc.paths['/v1/job/{id}/log'])).toEqual(expect.arrayContaining(['get', 'post']));
    expect(Object.keys(doc.paths['/v1/job/{id}/progress'])).toEqual(expect.arrayContaining(['get', 'post']));
    expect(doc.paths['/v1/events'].get.responses['200'].content).toHaveProperty(['text/event-stream']);
    expect(doc.components.schemas.JobDto.required).toEqual(expect.arrayContaining(['attempt', 'progress', 'log_size']));
    expect(doc.components.schemas.LogAppendDto.required).toEqual(expect.arrayContaining(['worker_id', 'offset', 'text']));
    expect(doc.components.securitySchemes.operator).toMatchObject({ in: 'header', name: 'x-operator-token' });
    expect(doc.components.schemas.ClaimDto.required).toEqual(expect.arrayContaining(['worker_id', 'hostname', 'capability']));
    const ui = await inject('GET', '/docs');
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger');
    expect(ui.body).not.toMatch(/https?:\/\/(cdn|unpkg)/);
  });
});
