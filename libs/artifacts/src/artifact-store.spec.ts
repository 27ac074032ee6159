import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import {
  DigestMismatchError, InvalidArtifactNameError, NotZstdError, StorageError, UploadAbortedError, UploadTooLargeError,
} from './artifact.errors';
import { ArtifactStore, type ArtifactStoreOptions } from './artifact-store';
import { MIGRATIONS } from '@cis490/db';
import { openDb, openDbMigratedTo, type TestDb } from '../../../test/support/db.testing';

const JOB_A = 'a'.repeat(64);
const JOB_B = 'b'.repeat(64);
const NOW = new Date('2026-05-04T03:02:01.000Z');

const zstd = (data: Buffer): Buffer => execFileSync('zstd', ['-c', '-q'], { input: data });
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
/** A body delivered in small chunks, as a socket would. */
const bodyOf = (data: Buffer, chunk = 1024): Readable =>
  Readable.from((function* () {
    for (let i = 0; i < data.length; i += chunk) yield data.subarray(i, i + chunk);
  })(), { objectMode: false });

/**
 * Every path under `dir`, dirs with a trailing slash; the receiver's own spool
 * dir (`.incoming/<its name>/`) is left out, the files in it are not.
 */
function tree(dir: string, rel = ''): string[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((d) => {
    const p = rel ? `${rel}/${d.name}` : d.name;
    if (!d.isDirectory()) return [p];
    return rel === '.incoming' ? tree(dir, p) : [`${p}/`, ...tree(dir, p)];
  }).sort();
}

const indexLines = (modelsDir: string): unknown[] => {
  const file = path.join(modelsDir, 'index.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
};

describe('ArtifactStore', () => {
  let tmp: string;
  let modelsDir: string;
  let dbDir: string;
  let database: TestDb;
  let store: ArtifactStore;
  /** Another store on the same models dir and database: the receiver restarted. */
  const newStore = (over: Partial<ArtifactStoreOptions> = {}) =>
    new ArtifactStore({ modelsDir, maxUploadBytes: 1 << 20, db: database.db, ...over });
  const bundle = zstd(Buffer.concat([Buffer.from('model weights '), randomBytes(50_000)]));
  const bundleSha = sha256(bundle);

  const upload = (over: Partial<Parameters<ArtifactStore['receive']>[0]> = {}) =>
    store.receive({ jobId: JOB_A, model: 'gbt', mode: 'realistic', workerId: 'lab1', body: bodyOf(bundle), ...over });

  /** After a failed upload: the models dir holds nothing but an empty spool dir. */
  const expectUntouched = () => {
    expect(tree(modelsDir).filter((p) => p !== '.incoming/')).toEqual([]);
    expect(indexLines(modelsDir)).toEqual([]);
  };

  beforeEach(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cis490-store-'));
    modelsDir = path.join(tmp, 'models');
    dbDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cis490-store-db-'));
    database = await openDb({ dataDir: dbDir });
    store = newStore({ now: () => NOW });
    await store.init();
  });
  afterEach(async () => {
    await database.close();
    fs.chmodSync(tmp, 0o755);
    if (fs.existsSync(modelsDir)) fs.chmodSync(modelsDir, 0o755);
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.rmSync(dbDir, { recursive: true, force: true });
  });

  describe('a good upload', () => {
    it('lands at <model>_<mode>/<sha256>/bundle.tar.zst with one index line', async () => {
      const result = await upload({ expectedSha256: bundleSha.toUpperCase() });

      const rel = `gbt_realistic/${bundleSha}/bundle.tar.zst`;
      expect(result).toEqual({ sha256: bundleSha, size: bundle.length, path: rel, deduplicated: false });
      expect(fs.readFileSync(path.join(modelsDir, rel)).equals(bundle)).toBe(true);
      const record = { sha256: bundleSha, size: bundle.length, model: 'gbt', mode: 'realistic', job_id: JOB_A, worker_id: 'lab1', uploaded_at: NOW.toISOString() };
      expect(indexLines(modelsDir)).toEqual([record]);
      expect(await store.list({})).toEqual([record]);
      expect(await store.has(JOB_A, bundleSha)).toBe(true);
      expect(await store.has(JOB_A, bundleSha.toUpperCase())).toBe(true);
      expect(await store.has(JOB_B, bundleSha)).toBe(false);
      expect(await store.locate(bundleSha)).toEqual({ path: path.join(modelsDir, rel), size: bundle.length });
      // The temp file went with the upload; the spool dir is this receiver's own.
      expect(tree(modelsDir).filter((p) => p.startsWith('.incoming/'))).toEqual(['.incoming/']);
      expect(fs.readdirSync(path.join(modelsDir, '.incoming'))).toHaveLength(1);
    });

    it('accepts the magic number split across chunks, and a body of exactly the limit', async () => {
      store = newStore({ maxUploadBytes: bundle.length });
      const result = await upload({ body: bodyOf(bundle, 3) });
      expect(result.size).toBe(bundle.length);
    });

    it('stores the same bytes once, with one index line per (job, sha256)', async () => {
      await upload();
      const again = await upload();
      const otherJob = await upload({ jobId: JOB_B, workerId: 'lab2' });

      expect(again.deduplicated).toBe(true);
      expect(otherJob).toEqual({ sha256: bundleSha, size: bundle.length, path: `gbt_realistic/${bundleSha}/bundle.tar.zst`, deduplicated: true });
      expect(tree(modelsDir)).toEqual([
        '.incoming/', 'gbt_realistic/', `gbt_realistic/${bundleSha}/`, `gbt_realistic/${bundleSha}/bundle.tar.zst`, 'index.jsonl',
      ]);
      expect(indexLines(modelsDir).map((r) => (r as { job_id: string }).job_id)).toEqual([JOB_A, JOB_B]);
    });

    it('lets concurrent uploads of the same bytes both succeed, one deduplicated, lines whole', async () => {
      const jobs = Array.from({ length: 6 }, (_, i) => String(i).repeat(64));
      const results = await Promise.all(jobs.map((jobId) => upload({ jobId, body: bodyOf(bundle, 4096) })));

      expect(results.filter((r) => !r.deduplicated)).toHaveLength(1);
      expect(new Set(results.map((r) => r.sha256))).toEqual(new Set([bundleSha]));
      expect(indexLines(modelsDir).map((r) => (r as { job_id: string }).job_id).sort()).toEqual(jobs);
      expect(fs.readFileSync(path.join(modelsDir, results[0].path)).equals(bundle)).toBe(true);
    });

    it('records concurrent repeats of one upload by one job once', async () => {
      const results = await Promise.all([1, 2, 3, 4].map(() => upload({ body: bodyOf(bundle, 4096) })));
      expect(results.filter((r) => !r.deduplicated)).toHaveLength(1);
      expect(indexLines(modelsDir)).toHaveLength(1);
    });

    it('keeps one file per (model, mode, sha256)', async () => {
      await upload();
      const other = await upload({ jobId: JOB_B, mode: 'oracle' });
      expect(other.deduplicated).toBe(false);
      expect(other.path).toBe(`gbt_oracle/${bundleSha}/bundle.tar.zst`);
      expect(await store.list({ mode: 'oracle' })).toHaveLength(1);
      expect(await store.list({ model: 'gbt' })).toHaveLength(2);
      expect(await store.list({ model: 'mlp' })).toEqual([]);
    });

    it('survives a restart: a new store has the records, and the index keeps one line each', async () => {
      await upload();
      const reopened = newStore();
      await reopened.init();
      expect(await reopened.has(JOB_A, bundleSha)).toBe(true);
      expect((await reopened.locate(bundleSha))?.size).toBe(bundle.length);
      store = reopened;
      await upload({ jobId: JOB_B });
      expect(indexLines(modelsDir).map((r) => (r as { job_id: string }).job_id)).toEqual([JOB_A, JOB_B]);
    });
  });

  describe('durability', () => {
    /**
     * Which paths got an fsync (`sync`) or fdatasync (`datasync`), in order:
     * the store's promise to a completed upload is made of these calls, and a
     * power cut cannot be pulled in a test.
     */
    let synced: string[];
    beforeEach(() => {
      synced = [];
      const open = fs.promises.open.bind(fs.promises);
      jest.spyOn(fs.promises, 'open').mockImplementation(async (file, ...rest) => {
        const handle = await open(file, ...rest);
        const sync = handle.sync.bind(handle);
        const datasync = handle.datasync.bind(handle);
        handle.sync = async () => {
          synced.push(`sync ${String(file)}`);
          return sync();
        };
        handle.datasync = async () => {
          synced.push(`datasync ${String(file)}`);
          return datasync();
        };
        return handle;
      });
    });
    afterEach(() => jest.restoreAllMocks());

    // The spooled temp file's own sync is there too; it is gone by now.
    const dirSyncs = () => synced.filter((s) => s.startsWith('sync ') && fs.statSync(s.slice(5), { throwIfNoEntry: false })?.isDirectory());

    it('syncs the index line, the bundle dir and every dir it made before the upload answers', async () => {
      await upload();

      const modelDir = path.join(modelsDir, 'gbt_realistic');
      expect(synced).toContain(`datasync ${path.join(modelsDir, 'index.jsonl')}`);
      expect(dirSyncs().sort()).toEqual(
        [`sync ${path.join(modelDir, bundleSha)}`, `sync ${modelDir}`, `sync ${modelsDir}`, `sync ${modelsDir}`].sort(),
      );
    });

    it('syncs only the dirs that changed for a later bundle, and none for a deduplicated one', async () => {
      await upload();
      const other = zstd(randomBytes(1000));
      synced = [];
      await upload({ jobId: JOB_B, body: bodyOf(other) });
      const modelDir = path.join(modelsDir, 'gbt_realistic');
      expect(dirSyncs().sort()).toEqual([`sync ${path.join(modelDir, sha256(other))}`, `sync ${modelDir}`].sort());
      expect(synced).toContain(`datasync ${path.join(modelsDir, 'index.jsonl')}`);

      synced = [];
      const again = await upload({ jobId: JOB_B });
      expect(again.deduplicated).toBe(true);
      expect(dirSyncs()).toEqual([]);
      expect(synced).toEqual(expect.arrayContaining([`datasync ${path.join(modelsDir, 'index.jsonl')}`]));
    });

    it('syncs the model dir once it removed a superseded bundle and its dir', async () => {
      await upload();
      const other = zstd(randomBytes(1000));
      await upload({ body: bodyOf(other) });
      synced = [];
      const superseded = await database.db.write((sql) => store.supersede(sql, JOB_A, sha256(other), NOW.toISOString()));
      await store.removeUnused(superseded);
      const modelDir = path.join(modelsDir, 'gbt_realistic');
      expect(fs.existsSync(path.join(modelDir, bundleSha))).toBe(false);
      expect(dirSyncs()).toEqual([`sync ${modelDir}`]);
    });
  });

  describe('a refused upload leaves nothing behind', () => {
    it('rejects a body without the zstd magic number and drains it', async () => {
      const body = bodyOf(Buffer.concat([Buffer.from('PK\x03\x04'), randomBytes(200_000)]));
      await expect(upload({ body })).rejects.toBeInstanceOf(NotZstdError);
      await finished(body);
      expectUntouched();
    });

    it('rejects an empty body and one that breaks the magic in its third byte', async () => {
      await expect(upload({ body: bodyOf(Buffer.alloc(0)) })).rejects.toBeInstanceOf(NotZstdError);
      await expect(upload({ body: bodyOf(Buffer.from([0x28, 0xb5, 0x00, 0xfd, 1, 2, 3]), 1) })).rejects.toBeInstanceOf(NotZstdError);
      expectUntouched();
    });

    it('rejects a body over the limit, naming it', async () => {
      store = newStore({ maxUploadBytes: bundle.length - 1 });
      const body = bodyOf(bundle);
      const err = await upload({ body }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UploadTooLargeError);
      expect((err as Error).message).toContain(String(bundle.length - 1));
      await finished(body);
      expectUntouched();
    });

    it('rejects a digest mismatch, naming both digests', async () => {
      const wrong = sha256(Buffer.from('something else'));
      const err = await upload({ expectedSha256: wrong }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DigestMismatchError);
      expect((err as Error).message).toContain(wrong);
      expect((err as Error).message).toContain(bundleSha);
      expectUntouched();
    });

    it('rejects a body that errors midway', async () => {
      const body = new Readable({ read() {} });
      body.push(bundle.subarray(0, 20_000));
      setImmediate(() => body.destroy(new Error('socket hang up')));
      await expect(upload({ body })).rejects.toBeInstanceOf(UploadAbortedError);
      expectUntouched();
    });

    it('refuses model and mode names that would leave the models dir', async () => {
      await expect(upload({ model: '../../evil' })).rejects.toBeInstanceOf(InvalidArtifactNameError);
      await expect(upload({ mode: 'x/../../y' })).rejects.toBeInstanceOf(InvalidArtifactNameError);
      expect(fs.readdirSync(tmp)).toEqual(['models']);
      expectUntouched();
    });

    it('fails with StorageError when the bundle cannot be placed, removing what it made', async () => {
      fs.writeFileSync(path.join(modelsDir, 'gbt_realistic'), 'a file where a dir belongs');
      const err = await upload().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect((err as StorageError).code).toBe('ENOTDIR');
      expect(tree(modelsDir)).toEqual(['.incoming/', 'gbt_realistic']);
    });

    it('fails with StorageError when the index cannot be appended, removing the bundle', async () => {
      fs.mkdirSync(path.join(modelsDir, 'index.jsonl'));
      await expect(upload()).rejects.toBeInstanceOf(StorageError);
      expect(tree(modelsDir)).toEqual(['.incoming/', 'index.jsonl/']);
      // The record went with the line: it was rolled back.
      expect(await store.has(JOB_A, bundleSha)).toBe(false);
      expect(await store.list()).toEqual([]);
      expect(await store.locate(bundleSha)).toBeNull();
    });

    const asRoot = process.getuid?.() === 0;
    // root writes through a 0555 dir, so this case needs an unprivileged run; the two above cover the paths as root.
    (asRoot ? it.skip : it)('fails with StorageError when the models dir is not writable', async () => {
      fs.rmSync(path.join(modelsDir, '.incoming'), { recursive: true, force: true });
      fs.chmodSync(modelsDir, 0o555);
      const err = await upload().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect((err as StorageError).code).toBe('EACCES');
      fs.chmodSync(modelsDir, 0o755);
      expect(tree(modelsDir)).toEqual([]);
    });

    it('fails init with StorageError when the models dir path is a file', async () => {
      const file = path.join(tmp, 'not-a-dir');
      fs.writeFileSync(file, '');
      await expect(newStore({ modelsDir: file, maxUploadBytes: 10 }).init()).rejects.toBeInstanceOf(StorageError);
    });
  });

  describe('recovery at init', () => {
    it('removes temp files of uploads a crash cut short in the single-receiver layout (.incoming/*.part)', async () => {
      fs.mkdirSync(path.join(modelsDir, '.incoming'), { recursive: true });
      fs.writeFileSync(path.join(modelsDir, '.incoming', 'dead.part'), bundle.subarray(0, 100));
      await newStore().init();
      expect(tree(modelsDir)).toEqual(['.incoming/']);
    });

    it('tolerates a torn last index line and keeps later appends on lines of their own', async () => {
      await upload();
      const file = path.join(modelsDir, 'index.jsonl');
      const good = fs.readFileSync(file, 'utf8');
      fs.appendFileSync(file, '{"sha256":"abc","si');

      const reopened = newStore();
      await reopened.init();
      expect(await reopened.list({})).toHaveLength(1);
      expect(fs.readFileSync(file, 'utf8')).toBe(good);
      store = reopened;
      await upload({ jobId: JOB_B });
      expect(indexLines(modelsDir)).toHaveLength(2);
    });

    it('imports the records of an index.jsonl the database lacks (a lab upgrading from the file-only index)', async () => {
      const older = { sha256: bundleSha, size: bundle.length, model: 'gbt', mode: 'realistic', job_id: JOB_A, worker_id: 'lab1', uploaded_at: '2026-01-02T03:04:05.000Z' };
      const newer = { ...older, job_id: JOB_B, worker_id: 'lab2', uploaded_at: '2026-02-02T03:04:05.000Z' };
      const bundleDir = path.join(modelsDir, 'gbt_realistic', bundleSha);
      fs.mkdirSync(bundleDir, { recursive: true });
      fs.writeFileSync(path.join(bundleDir, 'bundle.tar.zst'), bundle);
      const file = path.join(modelsDir, 'index.jsonl');
      fs.writeFileSync(file, `${JSON.stringify(older)}\nnot json\n${JSON.stringify(newer)}\n`);

      const upgraded = newStore({ now: () => NOW });
      await upgraded.init();
      expect(await upgraded.list()).toEqual([older, newer]);
      expect(await upgraded.has(JOB_B, bundleSha)).toBe(true);
      expect((await upgraded.locate(bundleSha))?.size).toBe(bundle.length);

      // A second start imports nothing twice; the file is left as it was, and the next line follows it.
      await newStore().init();
      expect(await upgraded.list()).toHaveLength(2);
      store = upgraded;
      const third = 'c'.repeat(64);
      expect((await upload({ jobId: third })).deduplicated).toBe(true);
      expect(fs.readFileSync(file, 'utf8').split('\n')).toEqual([
        JSON.stringify(older), 'not json', JSON.stringify(newer), JSON.stringify({ ...older, job_id: third, uploaded_at: NOW.toISOString() }), '',
      ]);
    });

    it('writes over a line whose record never committed, so the file keeps one line per record', async () => {
      await upload();
      const file = path.join(modelsDir, 'index.jsonl');
      const committed = fs.readFileSync(file, 'utf8');
      // What a receiver that died between writing its line and committing its record leaves.
      fs.appendFileSync(file, `${JSON.stringify({ ...indexLines(modelsDir)[0] as object, job_id: JOB_B })}\n`);

      const third = 'c'.repeat(64);
      await upload({ jobId: third });
      expect(fs.readFileSync(file, 'utf8').startsWith(committed)).toBe(true);
      expect(indexLines(modelsDir).map((r) => (r as { job_id: string }).job_id)).toEqual([JOB_A, third]);
      expect(await store.has(JOB_B, bundleSha)).toBe(false);
    });

    it('keeps a last line that lost only its newline', async () => {
      await upload();
      const file = path.join(modelsDir, 'index.jsonl');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').trimEnd());
      const reopened = newStore();
      await reopened.init();
      expect(await reopened.has(JOB_A, bundleSha)).toBe(true);
      expect(fs.readFileSync(file, 'utf8').endsWith('}\n')).toBe(true);
    });
  });

  describe('when a job completes, its other uploads are superseded', () => {
    const [one, two, three] = [1, 2, 3].map((n) => zstd(Buffer.concat([Buffer.from(`attempt ${n} `), randomBytes(5_000)])));
    const [shaOne, shaTwo, shaThree] = [one, two, three].map(sha256);
    const bundlePaths = (...shas: string[]) =>
      shas.flatMap((sha) => [`gbt_realistic/${sha}/`, `gbt_realistic/${sha}/bundle.tar.zst`]);
    const storeTree = () => tree(modelsDir).filter((p) => !p.startsWith('.incoming/'));
    /** The completion's transaction; `cleanUp: false` is a receiver stopped right after it committed. */
    const complete = async (jobId: string, sha: string, { cleanUp = true } = {}) => {
      const superseded = await database.db.write((sql) => store.supersede(sql, jobId, sha, NOW.toISOString()));
      if (cleanUp) await store.removeUnused(superseded);
    };
    const jobsOf = async () => (await store.list()).map((r) => `${r.job_id.slice(0, 1)} ${r.sha256}`);

    it('keeps only the bundle that completed the job: the others are hidden, their files and dirs gone, their lines kept', async () => {
      for (const data of [one, two, three]) await upload({ body: bodyOf(data) });
      expect(await store.list()).toHaveLength(3);

      await complete(JOB_A, shaTwo);

      expect(await jobsOf()).toEqual([`a ${shaTwo}`]);
      expect(storeTree()).toEqual(['gbt_realistic/', ...bundlePaths(shaTwo), 'index.jsonl']);
      expect(await store.locate(shaOne)).toBeNull();
      expect(await store.locate(shaThree)).toBeNull();
      expect((await store.locate(shaTwo))?.size).toBe(two.length);
      expect(await store.has(JOB_A, shaOne)).toBe(false);
      expect(await store.has(JOB_A, shaTwo)).toBe(true);
      expect(indexLines(modelsDir).map((r) => (r as { sha256: string }).sha256)).toEqual([shaOne, shaTwo, shaThree]);
    });

    it("keeps a file another job's live record points at, and removes it with that job's own completion", async () => {
      await upload({ body: bodyOf(one) });
      await upload({ body: bodyOf(two) });
      expect((await upload({ jobId: JOB_B, body: bodyOf(one) })).deduplicated).toBe(true);

      await complete(JOB_A, shaTwo);
      expect(await jobsOf()).toEqual([`a ${shaTwo}`, `b ${shaOne}`]);
      expect(storeTree()).toEqual(['gbt_realistic/', ...bundlePaths(shaOne, shaTwo).sort(), 'index.jsonl'].sort());
      expect((await store.locate(shaOne))?.size).toBe(one.length);

      await upload({ jobId: JOB_B, body: bodyOf(three) });
      await complete(JOB_B, shaThree);
      expect(await jobsOf()).toEqual([`a ${shaTwo}`, `b ${shaThree}`]);
      expect(await store.locate(shaOne)).toBeNull();
      expect(storeTree()).toEqual(['gbt_realistic/', ...bundlePaths(shaTwo, shaThree).sort(), 'index.jsonl'].sort());
    });

    it('removes at the next start the files a receiver stopped before removing, and only those', async () => {
      await upload({ body: bodyOf(one) });
      await upload({ body: bodyOf(two) });
      await upload({ body: bodyOf(three) });
      await upload({ jobId: JOB_B, body: bodyOf(three) });
      await complete(JOB_A, shaTwo, { cleanUp: false });
      expect(storeTree()).toHaveLength(1 + 6 + 1);

      store = newStore();
      await store.init();
      expect(storeTree()).toEqual(['gbt_realistic/', ...bundlePaths(shaThree, shaTwo).sort(), 'index.jsonl'].sort());
      expect(await jobsOf()).toEqual([`a ${shaTwo}`, `b ${shaThree}`]);
    });

    it('does not bring superseded records back from index.jsonl at start', async () => {
      for (const data of [one, two, three]) await upload({ body: bodyOf(data) });
      await complete(JOB_A, shaTwo);
      const lines = fs.readFileSync(path.join(modelsDir, 'index.jsonl'), 'utf8');

      store = newStore();
      await store.init();
      expect(await jobsOf()).toEqual([`a ${shaTwo}`]);
      expect(await store.has(JOB_A, shaOne)).toBe(false);
      expect(await store.locate(shaThree)).toBeNull();
      expect(fs.readFileSync(path.join(modelsDir, 'index.jsonl'), 'utf8')).toBe(lines);
    });

    it('makes a superseded bundle its job’s candidate again when the job uploads it anew (a forced requeue’s run)', async () => {
      await upload({ body: bodyOf(one) });
      await upload({ body: bodyOf(two) });
      await complete(JOB_A, shaTwo);

      const again = await upload({ body: bodyOf(one) });
      expect(again.deduplicated).toBe(false);
      expect(await store.has(JOB_A, shaOne)).toBe(true);
      expect((await jobsOf()).sort()).toEqual([`a ${shaOne}`, `a ${shaTwo}`].sort());
      expect(indexLines(modelsDir)).toHaveLength(2);

      await complete(JOB_A, shaOne);
      expect(await jobsOf()).toEqual([`a ${shaOne}`]);
      expect(storeTree()).toEqual(['gbt_realistic/', ...bundlePaths(shaOne), 'index.jsonl']);
    });

    it('leaves the uploads of a job that has not completed alone', async () => {
      await upload({ body: bodyOf(one) });
      await upload({ body: bodyOf(two) });
      await store.removeUnused([{ model: 'gbt', mode: 'realistic', sha256: shaOne }]);
      store = newStore();
      await store.init();
      expect(await store.list()).toHaveLength(2);
      expect(storeTree()).toHaveLength(1 + 4 + 1);
    });

    it('marks at upgrade the uploads of jobs already completed with another bundle, and removes their files at start', async () => {
      await database.close();
      fs.rmSync(dbDir, { recursive: true });
      const older = await openDbMigratedTo({ dataDir: dbDir }, MIGRATIONS.length - 1);
      const T = '2026-03-01T00:00:00.000Z';
      const job = (id: string, seq: number, status: string, sha: string | null) =>
        older.query(`INSERT INTO jobs (id, seq, manifest_order, model, mode, hyper, split_recipe, train_hosts, seed,
            require_cuda, prefer_cuda, min_vram_gib, min_ram_gib, allowed_hosts, priority, max_attempts, timeout_s,
            status, attempts, finished_at, artifact_sha256, in_manifest, created_at, updated_at)
          VALUES ('${id}', ${seq}, ${seq}, 'gbt', 'realistic', '{}', 'default', '[]', ${seq}, 0, 0, 0, 0, '[]', 0, 3, 0,
            '${status}', 1, ${sha ? `'${T}'` : 'NULL'}, ${sha ? `'${sha}'` : 'NULL'}, 1, '${T}', '${T}')`);
      const record = async (jobId: string, data: Buffer) => {
        await older.query(`INSERT INTO artifacts (job_id, sha256, size, model, mode, worker_id, uploaded_at)
          VALUES ('${jobId}', '${sha256(data)}', ${data.length}, 'gbt', 'realistic', 'lab1', '${T}')`);
        fs.mkdirSync(path.join(modelsDir, 'gbt_realistic', sha256(data)), { recursive: true });
        fs.writeFileSync(path.join(modelsDir, 'gbt_realistic', sha256(data), 'bundle.tar.zst'), data);
      };
      await job(JOB_A, 1, 'completed', shaTwo);
      await job(JOB_B, 2, 'pending', null);
      await record(JOB_A, one);
      await record(JOB_A, two);
      await record(JOB_B, three);
      await older.destroy();

      database = await openDb({ dataDir: dbDir });
      store = newStore();
      await store.init();
      expect(await jobsOf()).toEqual([`a ${shaTwo}`, `b ${shaThree}`]);
      expect(storeTree()).toEqual(['gbt_realistic/', ...bundlePaths(shaThree, shaTwo).sort()].sort());
      const marked = await database.db.read((sql) => sql.rows(`SELECT sha256, superseded_at FROM artifacts WHERE superseded_at IS NOT NULL`));
      expect(marked).toEqual([{ sha256: shaOne, superseded_at: T }]);
    });

    it('records nothing and places nothing when the admit check refuses the upload', async () => {
      const refused = new Error('the job completed meanwhile');
      await expect(upload({ admit: async () => { throw refused; } })).rejects.toBe(refused);
      expectUntouched();
      expect(await store.list()).toEqual([]);
    });
  });

  describe('locate', () => {
    it('refuses anything that is not 64 hex digits, and unknown digests', async () => {
      await upload();
      for (const hostile of ['../../../etc/passwd', `${bundleSha}/../../index.jsonl`, `../${bundleSha.slice(3)}`, bundleSha.slice(1), `${bundleSha}0`, '', 'g'.repeat(64), sha256(Buffer.from('x'))]) {
        expect(await store.locate(hostile)).toBeNull();
      }
      expect((await store.locate(bundleSha.toUpperCase()))?.path).toBe(path.join(modelsDir, 'gbt_realistic', bundleSha, 'bundle.tar.zst'));
    });

    it('ignores index lines whose names would point outside the models dir', async () => {
      const sha = sha256(Buffer.from('planted'));
      fs.mkdirSync(path.join(tmp, sha), { recursive: true });
      fs.writeFileSync(path.join(tmp, sha, 'bundle.tar.zst'), 'outside');
      const planted = { sha256: sha, size: 7, model: '..', mode: '', job_id: JOB_A, worker_id: 'w', uploaded_at: NOW.toISOString() };
      fs.writeFileSync(path.join(modelsDir, 'index.jsonl'), `${JSON.stringify({ ...planted, model: '..', mode: '..' })}\n`);
      await store.init();
      expect(await store.list({})).toEqual([]);
      expect(await store.locate(sha)).toBeNull();
    });
  });

  describe('behind an HTTP server', () => {
    it('lets the server answer a refused body without losing the connection', async () => {
      const server = http.createServer((req, res) => {
        store.receive({ jobId: JOB_A, model: 'gbt', mode: 'realistic', workerId: 'lab1', body: req }).then(
          (result) => res.writeHead(201).end(JSON.stringify(result)),
          (err: Error) => res.writeHead(err instanceof NotZstdError ? 415 : 500).end(err.message),
        );
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const put = (data: Buffer) =>
        new Promise<number>((resolve, reject) => {
          const req = http.request({ port, host: '127.0.0.1', method: 'PUT', path: '/' }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.on('error', reject);
          bodyOf(data, 64 * 1024).pipe(req);
        });
      try {
        expect(await put(randomBytes(2 << 20))).toBe(415);
        expect(await put(bundle)).toBe(201);
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
      expect(indexLines(modelsDir)).toHaveLength(1);
    });
  });
});
