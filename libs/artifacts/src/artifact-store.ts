import { randomUUID } from 'node:crypto';
import { promises as fsp, statSync, type Stats } from 'node:fs';
import * as path from 'node:path';
import { finished, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ArtifactRecord, NAME_PATTERN, SHA256_HEX, type UploadResult } from '@cis490/contract';
import { ArtifactIndex } from './artifact-index';
import { BUNDLE_FILE, bundleRelativePath, isInside } from './artifact-names';
import {
  DigestMismatchError, InvalidArtifactNameError, NotZstdError, StorageError, UploadAbortedError, UploadTooLargeError,
} from './artifact.errors';
import { Sha256Tap } from './sha256-tap';
import { UploadGuard } from './upload-guard';

export interface ArtifactStoreOptions {
  modelsDir: string;
  maxUploadBytes: number;
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
}

/** Where uploads are spooled: inside the models dir, so the final link/rename stays on one filesystem. */
const INCOMING_DIR = '.incoming';
const INDEX_FILE = 'index.jsonl';

/** Filesystems without hard links answer these; the store then falls back to rename. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/**
 * The receiver's bundle store: `<models_dir>/<model>_<mode>/<sha256>/bundle.tar.zst`
 * plus `index.jsonl`. A bundle becomes visible only whole (written, fsynced,
 * then linked into place); every failure leaves the store as it was.
 */
export class ArtifactStore {
  readonly modelsDir: string;
  private readonly maxUploadBytes: number;
  private readonly now: () => Date;
  private readonly index: ArtifactIndex;
  /** Tail of the commit section: placing a bundle and indexing it run one upload at a time. */
  private commits: Promise<unknown> = Promise.resolve();

  constructor(options: ArtifactStoreOptions) {
    if (!Number.isSafeInteger(options.maxUploadBytes) || options.maxUploadBytes <= 0) {
      throw new RangeError(`maxUploadBytes must be a positive integer, got ${options.maxUploadBytes}`);
    }
    this.modelsDir = path.resolve(options.modelsDir);
    this.maxUploadBytes = options.maxUploadBytes;
    this.now = options.now ?? (() => new Date());
    this.index = new ArtifactIndex(path.join(this.modelsDir, INDEX_FILE));
  }

  /** Creates the models dir, removes uploads a crash cut short, and loads the index. */
  async init(): Promise<void> {
    try {
      await fsp.mkdir(this.modelsDir, { recursive: true });
      await fsp.rm(path.join(this.modelsDir, INCOMING_DIR), { recursive: true, force: true });
      await this.index.load();
    } catch (err) {
      throw new StorageError(`open the models dir ${this.modelsDir}`, err);
    }
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

  /** An upload of this sha256 exists for this job. */
  has(jobId: string, sha256: string): boolean {
    return this.index.has(jobId, sha256.toLowerCase());
  }

  /** Index entries, oldest first. */
  list(filter: { model?: string; mode?: string } = {}): ArtifactRecord[] {
    return this.index.list(filter);
  }

  /** The stored bundle with this sha256, or null (also for anything that is not 64 hex digits). */
  locate(sha256: string): { path: string; size: number } | null {
    if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256.toLowerCase())) return null;
    const sha = sha256.toLowerCase();
    for (const record of this.index.withSha(sha)) {
      const file = path.join(this.modelsDir, `${record.model}_${record.mode}`, sha, BUNDLE_FILE);
      if (!isInside(this.modelsDir, file)) continue;
      let stats: Stats;
      try {
        stats = statSync(file);
      } catch {
        continue;
      }
      if (stats.isFile()) return { path: file, size: stats.size };
    }
    return null;
  }

  private async openTemp(): Promise<{ path: string; handle: fsp.FileHandle }> {
    const dir = path.join(this.modelsDir, INCOMING_DIR);
    const file = path.join(dir, `${randomUUID()}.part`);
    try {
      await fsp.mkdir(dir, { recursive: true });
      return { path: file, handle: await fsp.open(file, 'wx', 0o644) };
    } catch (err) {
      throw new StorageError(`create a temporary file in ${dir}`, err);
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

  /** Places the spooled file under its sha256 (or finds it already there) and indexes the upload. */
  private async commit(
    tmpPath: string,
    upload: ReceiveInput & { sha256: string; size: number },
  ): Promise<UploadResult> {
    const { model, mode, sha256, size } = upload;
    const modelDir = path.join(this.modelsDir, `${model}_${mode}`);
    const shaDir = path.join(modelDir, sha256);
    const final = path.join(shaDir, BUNDLE_FILE);
    if (!isInside(this.modelsDir, final)) throw new InvalidArtifactNameError('model', model);

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

    const record: ArtifactRecord = {
      sha256,
      size,
      model,
      mode,
      job_id: upload.jobId,
      worker_id: upload.workerId,
      uploaded_at: this.now().toISOString(),
    };
    try {
      await this.index.append(record);
    } catch (err) {
      if (placed) {
        await fsp.rm(final, { force: true }).catch(() => undefined);
        await undoDirs();
      }
      throw new StorageError(`append to ${this.index.file}`, err);
    }
    return { sha256, size, path: bundleRelativePath(model, mode, sha256), deduplicated: !placed };
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.commits.then(work, work);
    this.commits = run.catch(() => undefined);
    return run;
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
