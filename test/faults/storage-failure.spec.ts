import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { claimBody } from '../support/receiver.harness';
import { ReceiverProcess, spawnReceiver } from '../support/receiver.process';
import { sha256, zstd } from '../support/bundles';
import { call, claimOne, putBundle } from '../support/http';
import { filesUnder } from './faults.support';

// Root ignores chmod, so the store is made to fail for real: a regular file where it needs a directory.
const MANIFEST = `
[[jobs]]
model = "gbt"
mode = "realistic"

[[jobs]]
model = "gbt"
mode = "oracle"

[[jobs]]
model = "gbt"
mode = "spare"
`;
const WORKER = 'lab1';

describe('artifact store that cannot be written', () => {
  let rx: ReceiverProcess;
  let models: string;
  const bundle = zstd('a trained model\n'.repeat(5000));
  const sha = sha256(bundle);

  beforeAll(async () => {
    rx = await spawnReceiver(MANIFEST);
    models = join(rx.dataDir, 'models');
  });
  afterAll(() => rx?.close());

  const indexLines = () => {
    const file = join(models, 'index.jsonl');
    return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
  };

  /** The refusal: a clear 507 in the API's error shape, naming what failed, without a stack. */
  const expectStorageRefusal = (answer: { status: number; json: any }, names: RegExp) => {
    expect(answer.status).toBe(507);
    expect(answer.json).toEqual({ statusCode: 507, error: 'Insufficient Storage', message: expect.any(String) });
    expect(answer.json.message).toMatch(names);
    expect(answer.json.message).not.toMatch(/\n\s+at /);
  };

  /** Still serving: health, and a claim of the spare job (given back at once). */
  const expectStillServing = async () => {
    expect(rx.child.exitCode).toBeNull();
    expect((await call(rx.url, 'GET', '/v1/health')).json).toMatchObject({ status: 'ok', db: 'ok' });
    const claim = await call(rx.url, 'POST', '/v1/job/claim', claimBody('bystander'));
    expect(claim.status).toBe(200);
    const release = await call(rx.url, 'POST', `/v1/job/${claim.json.job.id}/fail`, {
      worker_id: 'bystander', error: 'worker shutdown', release: true,
    });
    expect(release.json).toMatchObject({ status: 'pending' });
  };

  it('answers 507 when the temp file cannot be created, leaves nothing, and accepts the upload once fixed', async () => {
    const job = await claimOne(rx.url, WORKER);
    expect(job.mode).toBe('realistic');
    const obstacle = join(models, '.incoming');
    rmSync(obstacle, { recursive: true, force: true });
    writeFileSync(obstacle, 'not a directory');
    const before = filesUnder(models);

    expectStorageRefusal(await putBundle(rx.url, job.id, WORKER, bundle), /temporary file.*\.incoming/);
    expect(filesUnder(models)).toEqual(before);
    expect(indexLines()).toEqual([]);
    expect((await call(rx.url, 'GET', `/v1/job/${job.id}`)).json).toMatchObject({ status: 'claimed', worker_id: WORKER });
    await expectStillServing();

    rmSync(obstacle);
    const retried = await putBundle(rx.url, job.id, WORKER, bundle);
    expect(retried).toMatchObject({ status: 201, json: { sha256: sha, deduplicated: false } });
    expect(sha256(readFileSync(join(models, retried.json.path)))).toBe(sha);
    expect(indexLines()).toHaveLength(1);
    const done = await call(rx.url, 'POST', `/v1/job/${job.id}/complete`, { worker_id: WORKER, artifact_sha256: sha });
    expect(done.json).toMatchObject({ status: 'completed' });
  });

  it('answers 507 when the bundle cannot be placed, leaves nothing, and accepts the upload once fixed', async () => {
    const job = await claimOne(rx.url, WORKER);
    expect(job.mode).toBe('oracle');
    const obstacle = join(models, 'gbt_oracle');
    writeFileSync(obstacle, 'not a directory');
    mkdirSync(join(models, '.incoming'), { recursive: true });
    const before = filesUnder(models);
    const lines = indexLines();

    expectStorageRefusal(await putBundle(rx.url, job.id, WORKER, bundle), /gbt_oracle/);
    // The spooled temp file went with the refusal.
    expect(filesUnder(models)).toEqual(before);
    expect(indexLines()).toEqual(lines);
    expect((await call(rx.url, 'GET', `/v1/job/${job.id}`)).json).toMatchObject({ status: 'claimed', worker_id: WORKER });
    await expectStillServing();

    rmSync(obstacle);
    const retried = await putBundle(rx.url, job.id, WORKER, bundle);
    expect(retried).toMatchObject({ status: 201, json: { sha256: sha, path: `gbt_oracle/${sha}/bundle.tar.zst` } });
    expect(indexLines()).toHaveLength(lines.length + 1);
    const done = await call(rx.url, 'POST', `/v1/job/${job.id}/complete`, { worker_id: WORKER, artifact_sha256: sha });
    expect(done.json).toMatchObject({ status: 'completed' });
  });
});
