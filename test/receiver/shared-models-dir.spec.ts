import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256, zstd } from '../support/bundles';
import { call, claimOne, putBundle } from '../support/http';
import { jobsToml } from '../support/manifest.fixtures';
import { describeOnPostgres, freshDatabase, type TestDatabase } from '../support/postgres';
import { type ReceiverProcess, spawnReceiver } from '../support/receiver.process';
import { waitFor } from '../support/wait-for';

const MANIFEST = jobsToml(Array.from({ length: 6 }, (_, i) => ({ model: 'gbt', mode: 'realistic', seed: i + 1 })));
const WORKER = 'lab1';

/** The lines of index.jsonl, each checked to be whole JSON. */
function indexLines(models: string): any[] {
  const text = readFileSync(join(models, 'index.jsonl'), 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.trimEnd().split('\n').map((line) => JSON.parse(line));
}

/**
 * A PUT whose body is sent in two parts, the second only when `finish` is
 * called: an upload the receiver holds in flight meanwhile.
 */
function twoPartUpload(url: string, jobId: string, bundle: Buffer, firstBytes: number) {
  const { hostname, port } = new URL(url);
  const req = request({
    host: hostname,
    port,
    method: 'PUT',
    path: `/v1/model/${jobId}`,
    headers: { 'content-type': 'application/zstd', 'content-length': bundle.length, 'x-worker-id': WORKER },
  });
  const answer = new Promise<{ status: number; json: any }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
    });
    req.on('error', reject);
  });
  req.write(bundle.subarray(0, firstBytes));
  return { answer, finish: () => req.end(bundle.subarray(firstBytes)) };
}

/**
 * SPEC §11: two receiver processes on one PostgreSQL database and one models
 * dir (one data dir here) act as one artifact store. Started one after the
 * other: two receivers migrating at the same moment is another piece of work.
 */
describeOnPostgres('two receivers sharing one database and one models dir', () => {
  let database: TestDatabase;
  let dir: string;
  let models: string;
  let a: ReceiverProcess;
  let b: ReceiverProcess;
  /** A bundle and its record as a lab that ran an older receiver (index.jsonl only) has them. */
  const oldBundle = zstd('a model trained before the upgrade\n'.repeat(200));
  const oldRecord = {
    sha256: sha256(oldBundle), size: oldBundle.length, model: 'gbt', mode: 'realistic',
    job_id: 'e'.repeat(64), worker_id: 'lab0', uploaded_at: '2026-01-01T00:00:00.000Z',
  };
  const spoolDirs = () => readdirSync(join(models, '.incoming'));

  beforeAll(async () => {
    database = await freshDatabase();
    dir = mkdtempSync(join(tmpdir(), 'cis490-shared-'));
    writeFileSync(join(dir, 'training_manifest.toml'), MANIFEST);
    models = join(dir, 'var', 'models');
    mkdirSync(join(models, 'gbt_realistic', oldRecord.sha256), { recursive: true });
    writeFileSync(join(models, 'gbt_realistic', oldRecord.sha256, 'bundle.tar.zst'), oldBundle);
    writeFileSync(join(models, 'index.jsonl'), `${JSON.stringify(oldRecord)}\n`);
    const env = { CIS490_DATABASE_URL: database.url };
    a = await spawnReceiver(MANIFEST, env, { dir });
    b = await spawnReceiver(MANIFEST, env, { dir });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.close();
    await database?.drop();
  });

  it('imported the existing index.jsonl at start: listed and downloadable through either', async () => {
    for (const rx of [a, b]) {
      expect((await call(rx.url, 'GET', '/v1/models')).json.models).toEqual([oldRecord]);
      const res = await fetch(`${rx.url}/v1/models/${oldRecord.sha256}`);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(oldBundle)).toBe(true);
    }
    expect(indexLines(models)).toEqual([oldRecord]);
  });

  it('takes an upload through one and completes, lists and downloads it through the other', async () => {
    const job = await claimOne(a.url, WORKER);
    const bundle = zstd(randomBytes(200_000));
    const sha = sha256(bundle);

    expect(await putBundle(b.url, job.id, WORKER, bundle)).toMatchObject({ status: 201, json: { sha256: sha, deduplicated: false } });
    const done = await call(a.url, 'POST', `/v1/job/${job.id}/complete`, { worker_id: WORKER, artifact_sha256: sha });
    expect(done).toMatchObject({ status: 200, json: { status: 'completed', artifact_sha256: sha } });

    const listed = (await call(a.url, 'GET', '/v1/models?model=gbt&mode=realistic')).json.models;
    expect(listed).toContainEqual(expect.objectContaining({ sha256: sha, job_id: job.id, worker_id: WORKER, size: bundle.length }));
    const res = await fetch(`${a.url}/v1/models/${sha}`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(bundle)).toBe(true);
    expect(indexLines(models).filter((r) => r.job_id === job.id)).toHaveLength(1);
  });

  it('records the same bundle uploaded through both at once in one row and one index line', async () => {
    const job = await claimOne(b.url, WORKER);
    const bundle = zstd(randomBytes(300_000));
    const sha = sha256(bundle);
    const before = indexLines(models).length;

    const answers = await Promise.all([a, b, a, b].map((rx) => putBundle(rx.url, job.id, WORKER, bundle)));
    expect(answers.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect(answers.filter((r) => !r.json.deduplicated)).toHaveLength(1);
    const lines = indexLines(models);
    expect(lines).toHaveLength(before + 1);
    expect(lines.filter((r) => r.sha256 === sha)).toEqual([expect.objectContaining({ job_id: job.id })]);
    expect((await call(b.url, 'GET', '/v1/models')).json.models.filter((m: any) => m.sha256 === sha)).toHaveLength(1);
  });

  it("keeps only the bundle a job completed with, whichever receiver took each upload, and removes the others' files", async () => {
    const job = await claimOne(a.url, WORKER);
    const bundles = [1, 2, 3].map(() => zstd(randomBytes(40_000)));
    const [one, two, three] = bundles.map(sha256);
    for (const [i, bundle] of bundles.entries()) {
      expect((await putBundle([a, b, a][i].url, job.id, WORKER, bundle)).status).toBe(201);
    }
    expect(await call(b.url, 'POST', `/v1/job/${job.id}/complete`, { worker_id: WORKER, artifact_sha256: two }))
      .toMatchObject({ status: 200, json: { status: 'completed', artifact_sha256: two } });

    for (const rx of [a, b]) {
      const listed = (await call(rx.url, 'GET', '/v1/models')).json.models.filter((m: any) => m.job_id === job.id);
      expect(listed.map((m: any) => m.sha256)).toEqual([two]);
      expect((await call(rx.url, 'GET', `/v1/models/${one}`)).status).toBe(404);
      expect((await call(rx.url, 'GET', `/v1/models/${three}`)).status).toBe(404);
    }
    expect(existsSync(join(models, 'gbt_realistic', one))).toBe(false);
    expect(existsSync(join(models, 'gbt_realistic', three))).toBe(false);
    expect(existsSync(join(models, 'gbt_realistic', two, 'bundle.tar.zst'))).toBe(true);
    expect(indexLines(models).filter((r) => r.job_id === job.id)).toHaveLength(3);
  });

  it('keeps an upload in flight on one whole while the other starts, and sweeps only dead spool dirs', async () => {
    await b.stop();
    const job = await claimOne(a.url, WORKER);
    const bundle = zstd(randomBytes(2 * 1024 * 1024));
    const sha = sha256(bundle);
    const upload = twoPartUpload(a.url, job.id, bundle, 1024 * 1024);
    const ownDir = `-${a.child.pid}-`;
    const aDir = await waitFor("the first receiver's temp file", () =>
      spoolDirs().find((d) => d.includes(ownDir) && readdirSync(join(models, '.incoming', d)).length === 1),
    );
    // Spool dirs of this host: one of a process that is gone, one of a live process (not a receiver).
    const hostPrefix = aDir.slice(0, aDir.lastIndexOf(ownDir) + 1);
    const gone = `${hostPrefix}${spawnSync(process.execPath, ['-e', '']).pid}-0123abcd`;
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    const alive = `${hostPrefix}${sleeper.pid}-0123abcd`;
    try {
      for (const d of [gone, alive]) {
        mkdirSync(join(models, '.incoming', d));
        appendFileSync(join(models, '.incoming', d, 'x.part'), 'bytes');
      }

      await b.restart();
      expect(spoolDirs().sort()).toEqual([aDir, alive].sort());
      upload.finish();
      expect(await upload.answer).toMatchObject({ status: 201, json: { sha256: sha, deduplicated: false } });
      const done = await call(b.url, 'POST', `/v1/job/${job.id}/complete`, { worker_id: WORKER, artifact_sha256: sha });
      expect(done).toMatchObject({ status: 200, json: { status: 'completed', artifact_sha256: sha } });
    } finally {
      sleeper.kill();
    }
  });

  it("removes a receiver's spool dir when it stops cleanly, and leaves the other's", async () => {
    const job = await claimOne(b.url, WORKER);
    const bundle = zstd(randomBytes(50_000));
    expect((await putBundle(b.url, job.id, WORKER, bundle)).status).toBe(201);
    const bDir = `-${b.child.pid}-`;
    expect(spoolDirs().some((d) => d.includes(bDir))).toBe(true);
    await b.stop();
    expect(spoolDirs().some((d) => d.includes(bDir))).toBe(false);
    expect(spoolDirs().some((d) => d.includes(`-${a.child.pid}-`))).toBe(true);
    expect(existsSync(join(models, 'index.jsonl'))).toBe(true);
  });
});
