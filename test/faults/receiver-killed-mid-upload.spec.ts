import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { waitFor } from '../support/wait-for';
import { ReceiverProcess, spawnReceiver } from '../support/receiver.process';
import { sha256, zstd } from '../support/bundles';
import { call, claimOne, putBundle } from '../support/http';
import { filesUnder } from './faults.support';

const MANIFEST = '[[jobs]]\nmodel = "gbt"\nmode = "realistic"\n';
const WORKER = 'lab1';
/** Random bytes do not compress: the bundle is as large as this, and a real zstd stream. */
const BUNDLE_BYTES = 64 * 1024 * 1024;
const CHUNK = 1024 * 1024;

/**
 * Streams `bundle` as one PUT, a chunk at a time, and stops writing after
 * `stopAfter` bytes: the rest never comes, as when the receiver dies under it.
 * Resolves with how the request ended.
 */
function startStalledUpload(url: string, jobId: string, bundle: Buffer, stopAfter: number) {
  const { hostname, port } = new URL(url);
  const req = request({
    host: hostname,
    port,
    method: 'PUT',
    path: `/v1/model/${jobId}`,
    headers: { 'content-type': 'application/zstd', 'content-length': bundle.length, 'x-worker-id': WORKER },
  });
  const ended = new Promise<string>((resolve) => {
    req.on('response', (res) => resolve(`answered ${res.statusCode}`));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
  (async () => {
    for (let at = 0; at < stopAfter && !req.destroyed; at += CHUNK) {
      if (!req.write(bundle.subarray(at, Math.min(at + CHUNK, stopAfter)))) {
        await new Promise((r) => req.once('drain', r));
      }
    }
  })().catch(() => undefined);
  return { req, ended };
}

describe('receiver SIGKILLed in the middle of an upload', () => {
  let rx: ReceiverProcess | undefined;

  afterEach(async () => {
    await rx?.close();
    rx = undefined;
  });

  it('leaves no partial file or index line; the job stays claimed and a retried upload completes it', async () => {
    const bundle = zstd(randomBytes(BUNDLE_BYTES));
    const sha = sha256(bundle);
    rx = await spawnReceiver(MANIFEST);
    const models = join(rx.dataDir, 'models');
    const incoming = join(models, '.incoming');
    const job = await claimOne(rx.url, WORKER);

    const upload = startStalledUpload(rx.url, job.id, bundle, Math.floor(bundle.length / 2));
    // Killed only once the receiver is demonstrably part-way: a temp file holding some of the bytes
    // (in its own spool dir, `.incoming/<host>-<boot>-<pid namespace>-<pid>-<random>/`).
    await waitFor('a partly written temp file', () =>
      filesUnder(incoming).some((f) => f.endsWith('.part') && statSync(join(incoming, f)).size > 4 * CHUNK),
    );
    expect(filesUnder(models).filter((f) => f.endsWith('.part'))).toHaveLength(1);
    await rx.stop('SIGKILL');
    expect(await upload.ended).not.toMatch(/^answered/);
    upload.req.destroy();

    await rx.restart();
    // The crash's temp file and spool dir are gone (its pid is dead), nothing took their place, and no line claims a bundle.
    expect(existsSync(incoming) ? readdirSync(incoming) : []).toEqual([]);
    expect(filesUnder(models).filter((f) => f !== 'index.jsonl')).toEqual([]);
    const index = join(models, 'index.jsonl');
    expect(existsSync(index) ? readFileSync(index, 'utf8') : '').not.toContain(job.id);
    expect((await call(rx.url, 'GET', `/v1/models`)).json.models).toEqual([]);

    const after = (await call(rx.url, 'GET', `/v1/job/${job.id}`)).json;
    expect(after).toMatchObject({ status: 'claimed', worker_id: WORKER, attempts: 1, artifact_sha256: null });

    const retried = await putBundle(rx.url, job.id, WORKER, bundle);
    expect(retried).toEqual({
      status: 201,
      json: { sha256: sha, size: bundle.length, path: `gbt_realistic/${sha}/bundle.tar.zst`, deduplicated: false },
    });
    expect(sha256(readFileSync(join(models, retried.json.path)))).toBe(sha);
    const done = await call(rx.url, 'POST', `/v1/job/${job.id}/complete`, { worker_id: WORKER, artifact_sha256: sha });
    expect(done.status).toBe(200);
    expect(done.json).toMatchObject({ status: 'completed', artifact_sha256: sha, attempts: 1 });
    const lines = readFileSync(index, 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ job_id: job.id, sha256: sha })]);
  });
});
