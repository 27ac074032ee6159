import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { promises as fsp, type Stats } from 'node:fs';
import * as path from 'node:path';
import { finished, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ArtifactRecord, MAX_BUNDLES_PER_JOB, NAME_PATTERN, SHA256_HEX, type UploadResult } from '@cis490/contract';
import type { Db, Sql } from '@cis490/db';
import { ArtifactIndex } from './artifact-index';
import { ArtifactRecordsRepository, type BundleKey, recordKey } from './artifact-records.repository';
import { BUNDLE_FILE, bundleRelativePath, isInside } from './artifact-names';
import {
  DigestMismatchError, InvalidArtifactNameError, NotZstdError, StorageError, TooManyBundlesError, UploadAbortedError,
  UploadTooLargeError,
} from './artifact.errors';
import { syncDir } from './dir-sync';
import { IncomingDirs } from './incoming-dirs';
import { Sha256Tap } from './sha256-tap';
import { UploadGuard } from './upload-guard';

export interface ArtifactStoreOptions {
  modelsDir: string;
  maxUploadBytes: number;
  /**
   * Where the artifact records live: the database every receiver sharing the
   * models dir uses. Handed in rather than injected here, so the worker, which
   * imports this lib for the bundle packer, never loads the database drivers.
   */
  db: Db;
  /** The clock for `uploaded_at`. */
  now?: () => Date;
}

export interface ReceiveInput {
  jobId: string;
  model: string;
  mode: string;
  workerId: string;
  body: NodeJS.ReadableStream | Readable;
  /** X-Content-SHA256, hex in either case. */
  expectedSha256?: string;
  /**
   * Run in the transaction that records the upload, holding the models dir's
   * lock: throws to refuse it. The caller checks here that the job is still
   * the uploader's, so an upload that ends after its job completed is not
   * recorded beside the bundle that completed it.
   */
  admit?: (sql: Sql) => Promise<void>;
}

const INDEX_FILE = 'index.jsonl';

/** Filesystems without hard links answer these; the store then falls back to rename. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/**
 * The receiver's bundle store: `<models_dir>/<model>_<mode>/<sha256>/bundle.tar.zst`,
 * a record per (job, sha256) in the database and a line per record in
 * `index.jsonl`. Any number of receivers may share one models dir and one
 * database (SPEC §11): each spools uploads in a dir of its own, and places,
 * records and indexes them holding one row lock, so those steps run one
 * receiver at a time. A bundle becomes visible only whole (written, fsynced,
 * then linked into place, its dir fsynced), and is recorded only once durable;
 * every failure leaves the store as it was.
 *
 * When a job completes, its other uploads are superseded: their records stay
 * (and their index lines), hidden from the list and from downloads, and a
 * file goes once no live record points at it. The file is removed after the
 * completion commits, under the same lock as uploads, so an upload of the
 * same bytes never loses its file; a crash in between is repaired at start.
 */
export class ArtifactStore implements OnApplicationShutdown {
  readonly modelsDir: string;
  private readonly maxUploadBytes: number;
  private readonly db: Db;
  private readonly now: () => Date;
  private readonly records: ArtifactRecordsRepository;
  private readonly index: ArtifactIndex;
  private readonly incoming: IncomingDirs;
  private readonly logger = new Logger('ArtifactStore');
  /**
   * Tail of this process's commits. The row lock already runs them one at a
   * time; queueing them here first keeps a burst of uploads from holding
   * every pooled connection while they wait for it.
   */
  private commits: Promise<unknown> = Promise.resolve();

  constructor(options: ArtifactStoreOptions) {
    if (!Number.isSafeInteger(options.maxUploadBytes) || options.maxUploadBytes <= 0) {
      throw new RangeError(`maxUploadBytes must be a positive integer, got ${options.maxUploadBytes}`);
    }
    this.modelsDir = path.resolve(options.modelsDir);
    this.maxUploadBytes = options.maxUploadBytes;
    this.db = options.db;
    this.now = options.now ?? (() => new Date());
    this.records = new ArtifactRecordsRepository(options.db.dialect);
    this.index = new ArtifactIndex(path.join(this.modelsDir, INDEX_FILE));
    this.incoming = new IncomingDirs(this.modelsDir);
  }

  /**
   * Creates the models dir, removes uploads that crashed receivers left
   * behind (never a live one's), records the lines of `index.jsonl` the
   * database lacks (a lab whose index was only the file loses nothing), and
   * removes the files that only superseded records point at (a receiver
   * stopped between a completion and its clean-up).
   */
  async init(): Promise<void> {
    try {
      await fsp.mkdir(this.modelsDir, { recursive: true });
      await this.incoming.sweep();
    } catch (err) {
      throw new StorageError(`open the models dir ${this.modelsDir}`, err);
    }
    await this.db.write(async (sql) => {
      await this.records.lockIndexFile(sql);
      const { records, bytes } = await this.index.load().catch((err: unknown) => {
        throw new StorageError(`read ${this.index.file}`, err);
      });
      const known = await this.records.keys(sql);
      for (const record of records) {
        if (known.has(recordKey(record))) continue;
        await this.records.insert(sql, record);
        known.add(recordKey(record));
      }
      // A line past the committed length whose record was just imported is kept, not overwritten.
      await this.records.setIndexFileBytes(sql, bytes);
      for (const bundle of await this.records.unreferenced(sql)) await this.removeOrWarn(bundle);
    });
  }

  /** Removes this receiver's spool dir when nothing is left in it. */
  async onApplicationShutdown(): Promise<void> {
    await this.incoming.close();
  }

  /** Refuses an upload whose declared length is over the limit, before a byte of it is read. */
  assertFits(declaredBytes: number): void {
    if (declaredBytes > this.maxUploadBytes) throw new UploadTooLargeError(this.maxUploadBytes);
  }

  /**
   * Streams an uploaded bundle into the store. On any failure the body is
   * released (left flowing to nowhere, so the HTTP server can still answer)
   * and nothing of the upload remains.
   */
  async receive(input: ReceiveInput): Promise<UploadResult> {
    const body = input.body instanceof Readable ? input.body : Readable.from(input.body);
    const guard = new UploadGuard(this.maxUploadBytes);
    let refusal: Error | undefined;
    // The guard's and the client's errors are read back after the pipeline; until it
    // is attached this listener also keeps them from becoming uncaught.
    guard.on('error', (err) => {
      if (isRefusal(err)) refusal ??= err;
    });
    // Watched from the first moment: a client can vanish while the temp file is opened.
    finished(body, { writable: false }, (err) => {
      if (err) guard.destroy(new UploadAbortedError(err));
    });
    try {
      checkName('model', input.model);
      checkName('mode', input.mode);
      // Piped, not put in the pipeline: a failed pipeline destroys its source, and
      // destroying a half-read request kills the socket the answer needs.
      body.pipe(guard);
      const tmp = await this.openTemp();
      try {
        const { sha256, size } = await this.spool(guard, tmp.handle).catch((err: unknown) => {
          throw refusal ?? err;
        });
        const expected = input.expectedSha256?.trim().toLowerCase();
        if (expected !== undefined && expected !== sha256) {
          throw new DigestMismatchError(input.expectedSha256 as string, sha256);
        }
        return await this.serialized(() => this.commit(tmp.path, { ...input, sha256, size }));
      } finally {
        await tmp.handle.close().catch(() => undefined);
        await fsp.rm(tmp.path, { force: true }).catch(() => undefined);
      }
    } catch (err) {
      release(body);
      guard.destroy();
      throw err;
    }
  }

  /**
   * An upload of this sha256 is recorded for this job. Inside a write section
   * pass its `sql`: on SQLite a read section called from a write section
   * would wait for it forever.
   */
  async has(jobId: string, sha256: string, sql?: Sql): Promise<boolean> {
    const sha = sha256.toLowerCase();
    return sql ? this.records.has(sql, jobId, sha) : this.db.read((s) => this.records.has(s, jobId, sha));
  }

  /**
   * Marks the job's other uploads superseded by `sha256`, the bundle it
   * completed with, in the caller's transaction (the completion's, so both
   * commit together). Answers the bundles that may have lost their last live
   * record: pass them to `removeUnused` once that transaction has committed.
   */
  supersede(sql: Sql, jobId: string, sha256: string, at: string): Promise<BundleKey[]> {
    return this.records.supersedeOthers(sql, jobId, sha256.toLowerCase(), at);
  }

  /**
   * Removes the files of these bundles that no live record points at any
   * more, holding the models dir's lock, so no upload of the same bytes can
   * find a file and then lose it. Never throws: the job's completion has
   * committed, and what is left behind is removed at the next start.
   */
  async removeUnused(bundles: readonly BundleKey[]): Promise<void> {
    if (bundles.length === 0) return;
    await this.serialized(() =>
      this.db.write(async (sql) => {
        await this.records.lockIndexFile(sql);
        for (const bundle of bundles) {
          if (!(await this.records.isLive(sql, bundle))) await this.removeOrWarn(bundle);
        }
      }),
    ).catch((err: unknown) => {
      this.logger.warn(`superseded bundles are left until the next start: ${(err as Error).message}`);
    });
  }

  /** The live records, oldest first. */
  list(filter: { model?: string; mode?: string } = {}): Promise<ArtifactRecord[]> {
    return this.db.read((sql) => this.records.list(sql, filter));
  }

  /**
   * The stored bundle with this sha256 that a live record points at, or null
   * (also for anything that is not 64 hex digits).
   */
  async locate(sha256: string): Promise<{ path: string; size: number } | null> {
    if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256.toLowerCase())) return null;
    const sha = sha256.toLowerCase();
    const records = await this.db.read((sql) => this.records.withSha(sql, sha));
    for (const record of records) {
      const file = path.join(this.modelsDir, `${record.model}_${record.mode}`, sha, BUNDLE_FILE);
      if (!isInside(this.modelsDir, file)) continue;
      const stats: Stats | null = await fsp.stat(file).catch(() => null);
      if (stats?.isFile()) return { path: file, size: stats.size };
    }
    return null;
  }

  private async openTemp(): Promise<{ path: string; handle: fsp.FileHandle }> {
    try {
      return await this.incoming.openTemp();
    } catch (err) {
      throw new StorageError(`create a temporary file in ${this.incoming.own}`, err);
    }
  }

  /** Guarded body → sha256 tap → temp file, fsynced and closed when the pipeline resolves. */
  private async spool(guard: UploadGuard, handle: fsp.FileHandle): Promise<{ sha256: string; size: number }> {
    const tap = new Sha256Tap();
    try {
      await pipeline(guard, tap, handle.createWriteStream({ flush: true }));
    } catch (err) {
      throw isRefusal(err) ? err : new StorageError('write the upload', err);
    }
    return { sha256: tap.digest(), size: tap.bytes };
  }

  /**
   * Places the spooled file under its sha256 (or finds it already there),
   * records the upload, and gives a record this call created its index line,
   * all in one transaction holding the index file's row lock. Nothing another
   * receiver does can come between: the bundle it finds in place cannot be
   * removed under it by a failing upload, and two index lines never race.
   */
  private async commit(
    tmpPath: string,
    upload: ReceiveInput & { sha256: string; size: number },
  ): Promise<UploadResult> {
    const { model, mode, sha256, size } = upload;
    const final = path.join(this.modelsDir, `${model}_${mode}`, sha256, BUNDLE_FILE);
    if (!isInside(this.modelsDir, final)) throw new InvalidArtifactNameError('model', model);
    const record: ArtifactRecord = {
      sha256,
      size,
      model,
      mode,
      job_id: upload.jobId,
      worker_id: upload.workerId,
      uploaded_at: this.now().toISOString(),
    };
    const placed = await this.db.write(async (sql) => {
      const indexBytes = await this.records.lockIndexFile(sql);
      await upload.admit?.(sql);
      await this.assertRoomFor(sql, upload.jobId, sha256);
      const bundle = await placeBundle(tmpPath, final, size);
      try {
        if (await this.records.insert(sql, record)) await this.writeIndexLine(sql, indexBytes, record);
        else await this.records.revive(sql, record.job_id, sha256);
      } catch (err) {
        // Still under the lock: no other upload can have found this bundle and recorded it.
        await bundle.undo();
        throw err;
      }
      return bundle.placed;
    });
    return { sha256, size, path: bundleRelativePath(model, mode, sha256), deduplicated: !placed };
  }

  /** A bundle the job does not hold yet may join at most MAX_BUNDLES_PER_JOB - 1 others. */
  private async assertRoomFor(sql: Sql, jobId: string, sha256: string): Promise<void> {
    if (await this.records.has(sql, jobId, sha256)) return;
    if ((await this.records.liveCount(sql, jobId)) >= MAX_BUNDLES_PER_JOB) throw new TooManyBundlesError(jobId, MAX_BUNDLES_PER_JOB);
  }

  /**
   * Removes a bundle's file and its `<sha256>` dir, called holding the models
   * dir's lock once no live record points at the bundle. A failure is logged,
   * not thrown: the file stays hidden, and the next start tries again.
   */
  private async removeOrWarn(bundle: BundleKey): Promise<void> {
    try {
      await removeBundle(this.modelsDir, bundle);
    } catch (err) {
      this.logger.warn(`could not remove the superseded bundle ${bundleRelativePath(bundle.model, bundle.mode, bundle.sha256)}: ${(err as Error).message}`);
    }
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.commits.then(work, work);
    this.commits = run.catch(() => undefined);
    return run;
  }

  /** The record's line, and the committed length moved past it; on failure the file is as it was. */
  private async writeIndexLine(sql: Sql, at: number, record: ArtifactRecord): Promise<void> {
    let line: { start: number; end: number };
    try {
      line = await this.index.writeLine(at, record);
    } catch (err) {
      throw new StorageError(`append to ${this.index.file}`, err);
    }
    try {
      await this.records.setIndexFileBytes(sql, line.end);
    } catch (err) {
      await this.index.cutTo(line.start).catch(() => undefined);
      throw err;
    }
  }
}

/**
 * Puts the spooled file at `final`, making its dirs; answers whether it
 * placed it (false: the same bytes were there) and how to take back what it
 * did.
 */
async function placeBundle(
  tmpPath: string,
  final: string,
  size: number,
): Promise<{ placed: boolean; undo: () => Promise<void> }> {
  const shaDir = path.dirname(final);
  const modelDir = path.dirname(shaDir);
  let firstCreated: string | undefined;
  try {
    firstCreated = await fsp.mkdir(shaDir, { recursive: true });
  } catch (err) {
    throw new StorageError(`create ${shaDir}`, err);
  }
  const undoDirs = async (): Promise<void> => {
    if (firstCreated === undefined) return;
    await fsp.rmdir(shaDir).catch(() => undefined);
    if (firstCreated === modelDir) await fsp.rmdir(modelDir).catch(() => undefined);
  };
  let placed: boolean;
  try {
    placed = await place(tmpPath, final, size);
  } catch (err) {
    await undoDirs();
    throw new StorageError(`store ${final}`, err);
  }
  const undo = async (): Promise<void> => {
    if (!placed) return;
    await fsp.rm(final, { force: true }).catch(() => undefined);
    await undoDirs();
  };
  try {
    // The record commits next: the bundle's name, and the dirs made for it, must be on disk first.
    if (placed) await syncDir(shaDir);
    if (firstCreated !== undefined) await syncDir(modelDir);
    if (firstCreated === modelDir) await syncDir(path.dirname(modelDir));
  } catch (err) {
    await undo();
    throw new StorageError(`sync ${shaDir}`, err);
  }
  return { placed, undo };
}

/**
 * Removes `<model>_<mode>/<sha256>/bundle.tar.zst` and its dir, then syncs
 * the model's dir so the removal survives a power cut. Nothing there is fine:
 * a removal that already happened. The model's dir stays.
 */
async function removeBundle(modelsDir: string, bundle: BundleKey): Promise<void> {
  const shaDir = path.join(modelsDir, `${bundle.model}_${bundle.mode}`, bundle.sha256);
  // Records come from the database and from index.jsonl: never follow one outside the models dir.
  if (!SHA256_HEX.test(bundle.sha256) || !isInside(modelsDir, shaDir)) return;
  let removed = await ignoring(['ENOENT'], () => fsp.unlink(path.join(shaDir, BUNDLE_FILE)));
  // Not empty: something else lives there; it is not the store's to remove.
  removed = (await ignoring(['ENOENT', 'ENOTEMPTY', 'EEXIST'], () => fsp.rmdir(shaDir))) || removed;
  if (removed) await syncDir(path.dirname(shaDir));
}

/** Runs `step`; answers false when it failed with one of `codes`, true when it succeeded. */
async function ignoring(codes: string[], step: () => Promise<void>): Promise<boolean> {
  try {
    await step();
    return true;
  } catch (err) {
    if (codes.includes((err as NodeJS.ErrnoException).code ?? '')) return false;
    throw err;
  }
}

/**
 * Moves the spooled file to `final` unless an identical bundle is already
 * there; answers whether it placed one. A hard link, unlike rename, never
 * replaces an existing file, so "is it there?" and "put it there" are one step.
 */
async function place(tmpPath: string, final: string, size: number): Promise<boolean> {
  try {
    await fsp.link(tmpPath, final);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code !== 'EEXIST' && !NO_HARD_LINKS.has(code)) throw err;
  }
  const existing = await fsp.stat(final).catch(() => null);
  // Same sha256, same size: the same bytes. Anything else there is damage to repair.
  if (existing?.isFile() && existing.size === size) return false;
  await fsp.rename(tmpPath, final);
  return true;
}

/** Failures that come from the upload itself, not from the store. */
function isRefusal(err: unknown): err is Error {
  return err instanceof NotZstdError || err instanceof UploadTooLargeError || err instanceof UploadAbortedError;
}

function checkName(field: 'model' | 'mode', value: string): void {
  if (typeof value !== 'string' || !NAME_PATTERN.test(value)) throw new InvalidArtifactNameError(field, value);
}

/** Detaches a body the store gave up on and lets it drain, so the request can end and be answered. */
function release(body: Readable): void {
  body.unpipe();
  // A late socket error on a body nobody reads any more must not become an uncaught exception.
  body.on('error', () => undefined);
  if (!body.destroyed && !body.readableEnded) body.resume();
}
