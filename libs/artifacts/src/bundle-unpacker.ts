import { createWriteStream, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, type Header } from 'tar-stream';
import { Sha256Tap } from './sha256-tap';
import { createDecompressStream } from './zstd';

/** A bundle whose bytes are not the ones its SHA-256 names: nothing of it is kept. */
export class BundleDigestError extends Error {
  constructor(expected: string, actual: string) {
    super(`the bundle's SHA-256 is ${actual}, not ${expected}`);
    this.name = 'BundleDigestError';
  }
}

/** An entry's path inside `dir`, or null for one that would land outside it (absolute, `..`). */
function inside(dir: string, name: string): string | null {
  const rel = path.posix.normalize(name.replace(/\\/g, '/'));
  if (rel === '.' || rel === './') return dir;
  if (path.posix.isAbsolute(rel) || rel === '..' || rel.startsWith('../')) return null;
  return path.join(dir, rel);
}

/**
 * Unpacks a `bundle.tar.zst` stream into `dir` (made; it must not exist),
 * checking the bytes against `sha256` as they arrive. The files go to a
 * sibling temp dir first and are renamed into place only once the whole
 * bundle is read and its digest matches: `dir` is whole or absent.
 * Regular files and directories are written with their modes; a symlink is
 * kept only when it points inside the bundle; anything else is skipped.
 */
export async function unpackBundle(source: Readable, dir: string, sha256: string): Promise<void> {
  const partial = `${dir}.partial`;
  await fsp.rm(partial, { recursive: true, force: true });
  await fsp.mkdir(partial, { recursive: true });
  const tap = new Sha256Tap();
  const tar = extract();
  tar.on('entry', (header: Header, entry, next) => {
    place(partial, header, entry).then(() => next(), next);
  });
  try {
    await pipeline(source, tap, createDecompressStream(), tar);
    const actual = tap.digest();
    if (actual !== sha256.toLowerCase()) throw new BundleDigestError(sha256, actual);
    await fsp.rename(partial, dir);
  } catch (err) {
    await fsp.rm(partial, { recursive: true, force: true });
    throw err;
  }
}

/** An entry's bytes as tar-stream hands them over (a streamx stream). */
type Entry = AsyncIterable<unknown> & { resume(): unknown };

async function place(root: string, header: Header, entry: Entry): Promise<void> {
  const target = inside(root, header.name);
  if (target === null) throw new Error(`refusing bundle entry ${JSON.stringify(header.name)}: outside the bundle`);
  switch (header.type) {
    case 'directory':
      await fsp.mkdir(target, { recursive: true });
      entry.resume();
      return;
    case 'file':
      await fsp.mkdir(path.dirname(target), { recursive: true });
      await pipeline(Readable.from(entry), createWriteStream(target, { mode: (header.mode ?? 0o644) & 0o777 }));
      return;
    case 'symlink': {
      entry.resume();
      const link = header.linkname ?? '';
      if (inside(root, path.posix.join(path.posix.dirname(header.name), link)) === null || path.isAbsolute(link)) return;
      await fsp.mkdir(path.dirname(target), { recursive: true });
      await fsp.symlink(link, target);
      return;
    }
    default:
      entry.resume();
  }
}
