import { Injectable } from '@nestjs/common';
import { createReadStream, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TarArchive, type EntryData } from 'archiver';
import { listBundleEntries, type BundleEntry } from './bundle-entries';
import { linksLeavingRoot } from './bundle-links';
import { Sha256Tap } from './sha256-tap';
import { createCompressStream } from './zstd';

/** Every entry's mtime: the epoch, so that when a file was written never changes the bundle's bytes. */
const EPOCH = new Date(0);

/** Bundles are always level 3: the bytes must not depend on the host. */
const BUNDLE_ZSTD_LEVEL = 3;
/**
 * Two zstd worker threads, always: compression runs beside the tar engine
 * instead of on its thread (see bench/README.md). zstd's multithreaded output
 * is the same for any worker count, so fixing it keeps bundles identical on
 * every host. (0, single-threaded mode, writes other bytes.)
 */
const BUNDLE_ZSTD_WORKERS = 2;

/** tar-stream reads `linkname` from the entry data; archiver's typings omit it. */
type TarEntry = EntryData & { linkname?: string };

export interface PackResult {
  sha256: string;
  size: number;
}

/** A symlink of `out/` left out of the bundle: it leads outside `out/`. */
export interface DroppedLink {
  /** Its path relative to `out/`. */
  name: string;
  target: string;
}

/**
 * Packs a trainer's `out/` dir into `bundle.tar.zst` (SPEC §5): a deterministic
 * tar, so that identical outputs give identical bytes and a re-run dedupes in
 * the store. Files are streamed, never held in memory.
 */
@Injectable()
export class BundlePacker {
  async pack(outDir: string, destFile: string): Promise<PackResult & { droppedLinks: DroppedLink[] }> {
    const root = path.resolve(outDir);
    const dest = path.resolve(destFile);
    if (dest === root || dest.startsWith(root + path.sep)) {
      throw new Error(`the bundle ${dest} must be written outside the dir it packs (${root})`);
    }
    const listed = await listBundleEntries(root);
    // Whoever extracts the bundle would recreate such a link, pointing into their machine.
    const leaving = linksLeavingRoot(
      new Map(listed.filter((e) => e.type === 'symlink').map((e) => [e.name, e.linkname ?? ''])),
    );
    const packed = await writeBundle(listed.filter((e) => !leaving.has(e.name)), dest);
    return { ...packed, droppedLinks: [...leaving].map(([name, target]) => ({ name, target })) };
  }
}

/**
 * Writes `entries`, in their order, as tar → zstd → `<dest>.part`, hashing on
 * the way; the part file is fsynced and renamed to `dest` only once whole.
 *
 * archiver 8's tar cannot be stopped safely: destroying it while an entry is
 * open throws an uncaught error from tar-stream, and `abort()` crashes on
 * tar-stream's missing `unpipe`. So on a failure the archive is detached and
 * left to run out into nothing, every remaining entry delivering its
 * declared size as zeros without opening its file, and the pack rejects at once.
 */
export async function writeBundle(entries: readonly BundleEntry[], dest: string): Promise<PackResult> {
  const part = `${dest}.part`;
  const handle = await fsp.open(part, 'w', 0o644);
  const archive = new TarArchive();
  const compress = createCompressStream(BUNDLE_ZSTD_LEVEL, { nbWorkers: BUNDLE_ZSTD_WORKERS });
  const tap = new Sha256Tap();
  const run: PackRun = {
    failure: null,
    fail(err) {
      if (this.failure !== null) return;
      this.failure = err instanceof Error ? err : new Error(String(err));
      archive.unpipe();
      archive.resume();
      compress.destroy(this.failure);
    },
  };
  archive.on('error', (err) => run.fail(err));
  archive.on('warning', (err) => run.fail(err));
  try {
    for (const entry of entries) addEntry(archive, entry, run);
    // Errors surface through the 'error' listener; this promise would only repeat them.
    archive.finalize().catch(() => undefined);
    archive.pipe(compress);
    // `flush`: fsync before the stream closes the file, so a bundle is never renamed into place half on disk.
    await pipeline(compress, tap, handle.createWriteStream({ flush: true }));
    await fsp.rename(part, dest);
  } catch (err) {
    run.fail(err);
    await handle.close().catch(() => undefined);
    await fsp.rm(part, { force: true }).catch(() => undefined);
    throw run.failure ?? err;
  }
  return { sha256: tap.digest(), size: tap.bytes };
}

/** The shared fate of one pack: its first failure, which also stops it. */
interface PackRun {
  failure: Error | null;
  fail(err: unknown): void;
}

/**
 * Every header field is set explicitly: archiver would otherwise take the
 * date and mode from the file's stats, and tar-stream stamps the current time
 * on entries without one. uid/gid default to 0 and uname/gname to empty.
 */
function addEntry(archive: TarArchive, entry: BundleEntry, run: PackRun): void {
  const data: TarEntry = { name: entry.name, date: EPOCH, mode: entry.mode };
  if (entry.type === 'file') {
    // The header's size comes from `stats`; the source delivers exactly that many bytes.
    archive.append(fileSource(entry, run), { ...data, stats: entry.stats });
  } else if (entry.type === 'directory') {
    archive.append(Buffer.alloc(0), { ...data, type: 'directory' });
  } else {
    archive.append(Buffer.alloc(0), { ...data, type: 'symlink', linkname: entry.linkname } as TarEntry);
  }
}

/** Large reads: per-chunk overhead through the tar engine, not the disk, limits the packer. */
const READ_CHUNK = 1024 * 1024;
const ZEROS = Buffer.alloc(64 * 1024);

/**
 * A file's first `stats.size` bytes, opened only when archiver reaches the
 * entry (a large `out/` never holds one descriptor per file). A read error or
 * a file that shrank fails the run; after a failure anywhere the rest of the
 * entry is zeros, which keeps the tar engine sound while it runs out.
 */
function fileSource(entry: BundleEntry, run: PackRun): Readable {
  const size = entry.stats.size;
  async function* chunks(): AsyncGenerator<Buffer> {
    let sent = 0;
    try {
      if (size > 0 && !run.failure) {
        for await (const chunk of createReadStream(entry.source, { start: 0, end: size - 1, highWaterMark: READ_CHUNK })) {
          if (run.failure) break;
          sent += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
      }
      if (sent < size && !run.failure) throw new Error(`${entry.source} changed while it was being packed`);
    } catch (err) {
      run.fail(err);
    }
    while (sent < size) {
      const n = Math.min(size - sent, ZEROS.length);
      sent += n;
      yield ZEROS.subarray(0, n);
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}
