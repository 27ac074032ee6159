import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import type { ArtifactRecord } from '@cis490/contract';
import { ArtifactStore } from './artifact-store';
import { openDb, type TestDb } from '../../../test/support/db.testing';
import { waitFor } from '../../../test/support/wait-for';
import { describeOnPostgres, freshDatabase, type TestDatabase } from '../../../test/support/postgres';

const job = (n: number): string => n.toString(16).padStart(64, '0');
const zstd = (data: Buffer): Buffer => execFileSync('zstd', ['-c', '-q'], { input: data });
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const bodyOf = (data: Buffer): Readable =>
  Readable.from((function* () {
    for (let i = 0; i < data.length; i += 4096) yield data.subarray(i, i + 4096);
  })());

/**
 * Two stores on one PostgreSQL database and one models dir, each with a pool
 * of its own: two receivers of SPEC §11, seen from the store.
 */
describeOnPostgres('ArtifactStore shared by two receivers (PostgreSQL)', () => {
  let database: TestDatabase;
  let modelsDir: string;
  let pools: TestDb[];
  let a: ArtifactStore;
  let b: ArtifactStore;
  const bundle = zstd(Buffer.concat([Buffer.from('shared weights '), randomBytes(40_000)]));
  const bundleSha = sha256(bundle);

  const upload = (store: ArtifactStore, jobId: string, data = bundle, workerId = 'lab1') =>
    store.receive({ jobId, model: 'gbt', mode: 'realistic', workerId, body: bodyOf(data) });
  const indexLines = (): ArtifactRecord[] => {
    const file = path.join(modelsDir, 'index.jsonl');
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    expect(text === '' || text.endsWith('\n')).toBe(true);
    return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as ArtifactRecord);
  };
  const openStore = async (): Promise<ArtifactStore> => {
    const pool = await openDb({ dataDir: modelsDir, databaseUrl: database.url });
    pools.push(pool);
    const store = new ArtifactStore({ modelsDir, maxUploadBytes: 1 << 20, db: pool.db });
    await store.init();
    return store;
  };

  beforeEach(async () => {
    database = await freshDatabase();
    modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cis490-shared-models-'));
    pools = [];
    // One after the other, as receivers migrating the schema must start for now.
    a = await openStore();
    b = await openStore();
  });
  afterEach(async () => {
    for (const pool of pools) await pool.close();
    await database.drop();
    fs.rmSync(modelsDir, { recursive: true, force: true });
  });

  it('lets a bundle uploaded through one be checked, listed and located through the other', async () => {
    const result = await upload(b, job(1));
    expect(result.deduplicated).toBe(false);
    expect(await a.has(job(1), bundleSha)).toBe(true);
    expect(await a.has(job(2), bundleSha)).toBe(false);
    expect(await a.list({ model: 'gbt' })).toEqual([expect.objectContaining({ job_id: job(1), sha256: bundleSha, size: bundle.length })]);
    expect(await a.locate(bundleSha)).toEqual({ path: path.join(modelsDir, result.path), size: bundle.length });
    expect(indexLines()).toHaveLength(1);
  });

  it('records concurrent uploads of the same bundle by the same job through both once: one row, one line, all answered', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => upload(i % 2 === 0 ? a : b, job(1))),
    );
    expect(results.map((r) => r.sha256)).toEqual(Array(8).fill(bundleSha));
    expect(results.filter((r) => !r.deduplicated)).toHaveLength(1);
    expect(await b.list()).toHaveLength(1);
    expect(indexLines()).toEqual(await a.list());
    expect(fs.readFileSync(path.join(modelsDir, results[0].path)).equals(bundle)).toBe(true);
  });

  it('keeps index.jsonl one whole line per record while both write at once', async () => {
    const other = zstd(randomBytes(30_000));
    const uploads = Array.from({ length: 24 }, (_, i) => upload(i % 2 === 0 ? a : b, job(i % 12), i % 3 === 0 ? other : bundle));
    await Promise.all(uploads);
    const records = await a.list();
    const lines = indexLines();
    const key = (r: ArtifactRecord) => `${r.job_id} ${r.sha256}`;
    expect(new Set(lines.map(key)).size).toBe(lines.length);
    expect(lines.map(key).sort()).toEqual(records.map(key).sort());
    expect(records.length).toBeGreaterThanOrEqual(12);
  });

  it('imports an existing index.jsonl once, whichever receiver starts first', async () => {
    const record = { sha256: bundleSha, size: bundle.length, model: 'gbt', mode: 'realistic', job_id: job(7), worker_id: 'lab9', uploaded_at: '2026-01-01T00:00:00.000Z' };
    fs.writeFileSync(path.join(modelsDir, 'index.jsonl'), `${JSON.stringify(record)}\n`);
    const c = await openStore();
    const d = await openStore();
    expect(await a.list()).toEqual([record]);
    expect(await d.has(job(7), bundleSha)).toBe(true);
    await upload(c, job(8));
    expect(indexLines().map((r) => r.job_id)).toEqual([job(7), job(8)]);
  });

  /** A job's completion through `store` (on its own pool), then its clean-up unless the receiver "stopped". */
  const complete = async (store: ArtifactStore, jobId: string, sha: string, { cleanUp = true } = {}) => {
    const pool = pools[[a, b].indexOf(store)];
    const superseded = await pool.db.write((sql) => store.supersede(sql, jobId, sha, new Date().toISOString()));
    if (cleanUp) await store.removeUnused(superseded);
  };
  const onDisk = (sha: string) => fs.existsSync(path.join(modelsDir, 'gbt_realistic', sha));

  it("supersedes a job's other uploads through one receiver, keeping a file another job's live record needs", async () => {
    const [one, two] = [zstd(randomBytes(20_000)), zstd(randomBytes(20_000))];
    await upload(a, job(1), one);
    await upload(b, job(1), two);
    await upload(b, job(2), one);
    const other = zstd(randomBytes(20_000));
    await upload(a, job(1), other);

    await complete(a, job(1), sha256(two));
    expect((await b.list()).map((r) => [r.job_id, r.sha256])).toEqual(
      expect.arrayContaining([[job(1), sha256(two)], [job(2), sha256(one)]]),
    );
    expect(await b.list()).toHaveLength(2);
    expect(await b.locate(sha256(other))).toBeNull();
    expect(onDisk(sha256(other))).toBe(false);
    expect((await b.locate(sha256(one)))?.size).toBe(one.length);
    expect(indexLines()).toHaveLength(4);
  });

  it('never leaves a live record without its file when a clean-up on one races an upload of the same bytes on the other', async () => {
    for (let round = 0; round < 8; round++) {
      const [stray, kept] = [zstd(randomBytes(10_000)), zstd(randomBytes(10_000))];
      await upload(a, job(100 + round), stray);
      await upload(a, job(100 + round), kept);
      await Promise.all([
        complete(a, job(100 + round), sha256(kept)),
        upload(b, job(200 + round), stray),
      ]);
      const found = await a.locate(sha256(stray));
      expect(found).not.toBeNull();
      expect(fs.readFileSync(found!.path).equals(stray)).toBe(true);
    }
  });

  it('removes at the start of any receiver the files a stopped one superseded but left', async () => {
    const [stray, kept] = [zstd(randomBytes(10_000)), zstd(randomBytes(10_000))];
    await upload(a, job(1), stray);
    await upload(b, job(1), kept);
    await complete(b, job(1), sha256(kept), { cleanUp: false });
    expect(onDisk(sha256(stray))).toBe(true);
    expect(await a.locate(sha256(stray))).toBeNull();

    const c = await openStore();
    expect(onDisk(sha256(stray))).toBe(false);
    expect(onDisk(sha256(kept))).toBe(true);
    expect((await c.list()).map((r) => r.sha256)).toEqual([sha256(kept)]);
  });

  it('does not disturb an upload in flight when another receiver starts', async () => {
    const body = new Readable({ read() {} });
    const inFlight = a.receive({ jobId: job(3), model: 'gbt', mode: 'realistic', workerId: 'lab1', body });
    body.push(bundle.subarray(0, 10_000));
    const incoming = path.join(modelsDir, '.incoming');
    const spooled = () =>
      fs.readdirSync(incoming, { recursive: true, withFileTypes: true }).filter((e) => e.name.endsWith('.part'));
    await waitFor('the upload spooling', () => fs.existsSync(incoming) && spooled().length === 1);
    await openStore();
    expect(spooled()).toHaveLength(1);
    body.push(bundle.subarray(10_000));
    body.push(null);
    expect(await inFlight).toMatchObject({ sha256: bundleSha, deduplicated: false });
    expect(await b.has(job(3), bundleSha)).toBe(true);
  });
});
