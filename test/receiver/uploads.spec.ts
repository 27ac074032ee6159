import { MAX_BUNDLES_PER_JOB } from '@cis490/contract';
import { DRIVERS } from '../support/postgres';
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { claimBody, Harness, operator, startReceiver } from '../support/receiver.harness';
import { waitFor } from '../support/wait-for';

const MANIFEST = '[[jobs]]\nmodel = "gbt"\nmode = "realistic"\n\n[[jobs]]\nmodel = "gbt"\nmode = "realistic"\nseed = 2\n';

const zstd = (data: string | Buffer) => spawnSync('zstd', ['-q', '-c'], { input: data }).stdout as Buffer;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Every file under a dir, relative (the store's state as a listing). */
function listing(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe.each(DRIVERS)('receiver artifact uploads on %s', (driver) => {
  const start = (manifest: string, env: Record<string, string> = {}) => startReceiver(manifest, env, driver);
  let h: Harness;
  let models: string;
  let jobId: string;
  const bundle = zstd('a trained model\n'.repeat(1000));

  const put = (body: Buffer | string | Readable, headers: Record<string, string> = {}, id = jobId) =>
    h.app.inject({
      method: 'PUT',
      url: `/v1/model/${id}`,
      payload: body,
      headers: { 'content-type': 'application/zstd', 'x-worker-id': 'lab1', ...headers },
    });

  beforeEach(async () => {
    h = await start(MANIFEST, { CIS490_MAX_UPLOAD_BYTES: '65536' });
    models = join(h.config.dataDir, 'models');
    jobId = (await h.app.inject({ method: 'POST', url: '/v1/job/claim', payload: claimBody('lab1') })).json().job.id;
  });
  afterEach(() => h.close());

  it('stores the bundle by its sha256, indexes it once per (job, sha), dedupes and completes', async () => {
    const sha = sha256(bundle);
    const first = await put(bundle, { 'x-content-sha256': sha.toUpperCase() });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toEqual({
      sha256: sha, size: bundle.length, path: `gbt_realistic/${sha}/bundle.tar.zst`, deduplicated: false,
    });
    expect(readFileSync(join(models, first.json().path))).toEqual(bundle);

    const again = await put(bundle, { 'content-type': 'application/octet-stream' });
    expect(again.json()).toMatchObject({ sha256: sha, deduplicated: true });
    const index = readFileSync(join(models, 'index.jsonl'), 'utf8').trim().split('\n');
    expect(index).toHaveLength(1);
    expect(JSON.parse(index[0])).toMatchObject({ sha256: sha, job_id: jobId, worker_id: 'lab1', model: 'gbt', mode: 'realistic' });

    // The second job's identical bytes: stored once, indexed for both jobs.
    const other = (await h.app.inject({ method: 'POST', url: '/v1/job/claim', payload: claimBody('lab1') })).json().job.id;
    expect((await put(bundle, {}, other)).json().deduplicated).toBe(true);
    expect(readFileSync(join(models, 'index.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(listing(models).filter((f) => f.endsWith('bundle.tar.zst'))).toHaveLength(1);

    const done = await h.app.inject({
      method: 'POST', url: `/v1/job/${jobId}/complete`, payload: { worker_id: 'lab1', artifact_sha256: sha, metrics: { acc: 0.9 } },
    });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ status: 'completed', artifact_sha256: sha, metrics: { acc: 0.9 } });
    const repeat = await h.app.inject({
      method: 'POST', url: `/v1/job/${jobId}/complete`, payload: { worker_id: 'lab1', artifact_sha256: sha },
    });
    expect(repeat.statusCode).toBe(200);

    const list = (await h.app.inject({ method: 'GET', url: '/v1/models?model=gbt' })).json();
    expect(list.models).toHaveLength(2);
    expect((await h.app.inject({ method: 'GET', url: '/v1/models?mode=oracle' })).json().models).toHaveLength(0);

    const download = await h.app.inject({ method: 'GET', url: `/v1/models/${sha}` });
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('application/zstd');
    expect(download.rawPayload).toEqual(bundle);
    expect((await h.app.inject({ method: 'GET', url: `/v1/models/${'0'.repeat(64)}` })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: '/v1/models/..%2F..%2Fetc%2Fpasswd' })).statusCode).toBe(404);

    const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('cis490_uploads_total 3');
    expect(metrics).toContain(`cis490_upload_bytes_total ${3 * bundle.length}`);
  });

  it.each([
    ['not zstd', () => Buffer.from('plain text, no magic'), {}, 415],
    ['another content type', () => bundle, { 'content-type': 'text/plain' }, 415],
    ['a mismatched X-Content-SHA256', () => bundle, { 'x-content-sha256': 'b'.repeat(64) }, 422],
    // A stream has no Content-Length: the store counts and stops at the limit.
    ['over max_upload_bytes (streamed)', () => Readable.from([zstd(randomBytes(200_000))]), {}, 413],
    ['not this worker’s job', () => bundle, { 'x-worker-id': 'lab2' }, 409],
    ['no X-Worker-Id', () => bundle, { 'x-worker-id': '' }, 400],
  ])('rejects %s and leaves nothing in the store', async (_name, body, headers, status) => {
    const before = listing(models);
    const response = await put(body(), headers as Record<string, string>);
    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject({ statusCode: status });
    expect(listing(models)).toEqual(before);
    expect((await h.app.inject({ method: 'GET', url: `/v1/job/${jobId}` })).json().status).toBe('claimed');
  });

  describe('a completed job keeps only the bundle it completed with', () => {
    const [one, two, three] = [1, 2, 3].map((n) => zstd(`attempt ${n}: ${randomBytes(8).toString('hex')}\n`.repeat(300)));
    const [shaOne, shaTwo, shaThree] = [one, two, three].map(sha256);
    const complete = (sha: string, id = jobId) =>
      h.app.inject({ method: 'POST', url: `/v1/job/${id}/complete`, payload: { worker_id: 'lab1', artifact_sha256: sha } });
    const models_ = async () => (await h.app.inject({ method: 'GET', url: '/v1/models' })).json().models as any[];
    const download = (sha: string) => h.app.inject({ method: 'GET', url: `/v1/models/${sha}` });
    const bundleFiles = () => listing(models).filter((f) => f.endsWith('bundle.tar.zst'));
    const fileOf = (sha: string) => join(models, 'gbt_realistic', sha, 'bundle.tar.zst');
    const indexShas = () => readFileSync(join(models, 'index.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).sha256);

    it('three uploads to one claimed job, completed with the second: one listed, the other two files gone, their downloads 404', async () => {
      for (const data of [one, two, three]) expect((await put(data)).statusCode).toBe(201);
      expect(await models_()).toHaveLength(3);

      expect((await complete(shaTwo)).json()).toMatchObject({ status: 'completed', artifact_sha256: shaTwo });

      const listed = await models_();
      expect(listed).toEqual([{
        sha256: shaTwo, size: two.length, model: 'gbt', mode: 'realistic', job_id: jobId, worker_id: 'lab1', uploaded_at: expect.any(String),
      }]);
      expect(bundleFiles()).toEqual([`gbt_realistic/${shaTwo}/bundle.tar.zst`]);
      expect(existsSync(dirname(fileOf(shaOne)))).toBe(false);
      expect(existsSync(dirname(fileOf(shaThree)))).toBe(false);
      expect((await download(shaOne)).statusCode).toBe(404);
      expect((await download(shaThree)).statusCode).toBe(404);
      expect((await download(shaTwo)).rawPayload).toEqual(two);
      // History: index.jsonl is append-only, one line per (job, sha256).
      expect(indexShas()).toEqual([shaOne, shaTwo, shaThree]);
    });

    it('keeps the bytes another job completed with, listed as that job’s', async () => {
      await put(one);
      await put(two);
      const other = (await h.app.inject({ method: 'POST', url: '/v1/job/claim', payload: claimBody('lab1') })).json().job.id;
      expect((await put(one, {}, other)).json().deduplicated).toBe(true);
      expect((await complete(shaOne, other)).statusCode).toBe(200);

      expect((await complete(shaTwo)).statusCode).toBe(200);
      const listed = (await models_()).map((m) => [m.job_id, m.sha256]);
      expect(listed.sort()).toEqual([[jobId, shaTwo], [other, shaOne]].sort());
      expect((await download(shaOne)).rawPayload).toEqual(one);
      expect(bundleFiles()).toHaveLength(2);
    });

    it('a force-requeued job keeps its bundle until it completes with another', async () => {
      await put(one);
      await complete(shaOne);
      const requeued = await h.app.inject({ method: 'POST', url: `/v1/job/${jobId}/requeue`, payload: { force: true }, headers: operator });
      expect(requeued.json()).toMatchObject({ status: 'pending', artifact_sha256: null });
      expect((await models_()).map((m) => m.sha256)).toEqual([shaOne]);
      expect((await download(shaOne)).statusCode).toBe(200);

      const again = (await h.app.inject({ method: 'POST', url: '/v1/job/claim', payload: claimBody('lab1') })).json().job;
      expect(again.id).toBe(jobId);
      await put(three);
      expect((await models_()).map((m) => m.sha256).sort()).toEqual([shaOne, shaThree].sort());
      expect((await complete(shaThree)).json()).toMatchObject({ status: 'completed', artifact_sha256: shaThree });
      expect((await models_()).map((m) => m.sha256)).toEqual([shaThree]);
      expect((await download(shaOne)).statusCode).toBe(404);
      expect(existsSync(fileOf(shaOne))).toBe(false);
    });

    it(`holds at most ${MAX_BUNDLES_PER_JOB} bundles of a job that did not complete it, and completes with one of them`, async () => {
      const many = Array.from({ length: MAX_BUNDLES_PER_JOB + 1 }, (_, n) => zstd(`upload ${n}: ${randomBytes(8).toString('hex')}\n`));
      for (const data of many.slice(0, -1)) expect((await put(data)).statusCode).toBe(201);
      const refused = await put(many.at(-1)!);
      expect(refused.statusCode).toBe(409);
      expect(refused.json().message).toContain(`already holds ${MAX_BUNDLES_PER_JOB} uploaded bundles`);
      expect(bundleFiles()).toHaveLength(MAX_BUNDLES_PER_JOB);
      expect(listing(join(models, '.incoming')).filter((f) => f.endsWith('.part'))).toEqual([]);
      // The same bytes again are no new bundle.
      expect((await put(many[0])).json()).toMatchObject({ deduplicated: true });
      expect((await complete(sha256(many[3]))).statusCode).toBe(200);
      expect((await models_()).map((m) => m.sha256)).toEqual([sha256(many[3])]);
    });

    it('refuses an upload that ends after its job completed, and keeps nothing of it', async () => {
      await put(one);
      const body = new PassThrough();
      const late = put(body);
      body.write(three.subarray(0, 100));
      await waitFor('the late upload spooling', () =>
        listing(join(models, '.incoming')).some((f) => f.endsWith('.part')));
      expect((await complete(shaOne)).statusCode).toBe(200);
      body.end(three.subarray(100));

      const answer = await late;
      expect(answer.statusCode).toBe(409);
      expect(answer.json().message).toContain('completed');
      expect(bundleFiles()).toEqual([`gbt_realistic/${shaOne}/bundle.tar.zst`]);
      expect((await models_()).map((m) => m.sha256)).toEqual([shaOne]);
      expect(indexShas()).toEqual([shaOne]);
    });

    it('after a restart: removes a superseded file a stop left behind, and index.jsonl does not bring its record back', async () => {
      for (const data of [one, two, three]) await put(data);
      await complete(shaTwo);
      // What a receiver stopped between the completion's commit and the removal leaves.
      mkdirSync(dirname(fileOf(shaOne)));
      copyFileSync(join(models, 'gbt_realistic', shaTwo, 'bundle.tar.zst'), fileOf(shaOne));

      await h.restart();
      expect(bundleFiles()).toEqual([`gbt_realistic/${shaTwo}/bundle.tar.zst`]);
      expect((await models_()).map((m) => m.sha256)).toEqual([shaTwo]);
      expect((await download(shaThree)).statusCode).toBe(404);
      expect(indexShas()).toEqual([shaOne, shaTwo, shaThree]);
    });
  });

  it('refuses a declared Content-Length over the limit before reading', async () => {
    const response = await put(bundle, { 'content-length': String(10 ** 9) });
    expect(response.statusCode).toBe(413);
  });
});
