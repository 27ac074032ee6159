import { createWriteStream, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, type Header } from 'tar-stream';
import { linksLeavingRoot } from './bundle-links';
import { Sha256Tap } from './sha256-tap';
import { createDecompressStream } from './zstd';

/** A bundle whose bytes are not the ones its SHA-256 names: nothing of it is kept. */
export class BundleDigestError extends Error {
  constructor(expected: string, actual: string) {
    super(`the bundle's SHA-256 is ${actual}, not ${expected}`);
    this.name = 'BundleDigestError';
  }
}

/** An entry's name relative to the bundle's root (no `./`, no trailing `/`), or null for one outside it (absolute, `..`). */
function relativeName(name: string): string | null {
  const rel = path.posix.normalize(name.replace(/\\/g, '/')).replace(/\/+$/, '');
  if (rel === '.' || rel === '') return '';
  if (path.posix.isAbsolute(rel) || rel === '..' || rel.startsWith('../')) return null;
  return rel;
}

/**
 * Unpacks a `bundle.tar.zst` stream into `dir` (made; it must not exist),
 * checking the bytes against `sha256` as they arrive. The files go to a
 * sibling temp dir first and are renamed into place only once the whole
 * bundle is read and its digest matches: `dir` is whole or absent.
 * Regular files and directories are written with their modes; anything but
 * those and symlinks is skipped. Symlinks are made last, so nothing is ever
 * written through one, and only those that stay inside `dir` once every link
 * is in place (`linksLeavingRoot`), and that no other entry passes through.
 */
export async function unpackBundle(source: Readable, dir: string, sha256: string): Promise<void> {
  const partial = `${dir}.partial`;
  await fsp.rm(partial, { recursive: true, force: true });
  await fsp.mkdir(partial, { recursive: true });
  const tap = new Sha256Tap();
  const tar = extract();
  const tree = new PlacedTree();
  tar.on('entry', (header: Header, entry, next) => {
    place(partial, header, entry, tree).then(() => next(), next);
  });
  try {
    await pipeline(source, tap, createDecompressStream(), tar);
    const actual = tap.digest();
    if (actual !== sha256.toLowerCase()) throw new BundleDigestError(sha256, actual);
    await tree.makeLinks(partial);
    await fsp.rename(partial, dir);
  } catch (err) {
    await fsp.rm(partial, { recursive: true, force: true });
    throw err;
  }
}

/** An entry's bytes as tar-stream hands them over (a streamx stream). */
type Entry = AsyncIterable<unknown> & { resume(): unknown };

async function place(root: string, header: Header, entry: Entry, tree: PlacedTree): Promise<void> {
  const rel = relativeName(header.name);
  if (rel === null) throw new Error(`refusing bundle entry ${JSON.stringify(header.name)}: outside the bundle`);
  const target = path.join(root, rel);
  switch (header.type) {
    case 'directory':
      tree.occupy(rel);
      await fsp.mkdir(target, { recursive: true });
      entry.resume();
      return;
    case 'file':
      tree.occupy(rel);
      await fsp.mkdir(path.dirname(target), { recursive: true });
      await pipeline(Readable.from(entry), createWriteStream(target, { mode: (header.mode ?? 0o644) & 0o777 }));
      return;
    case 'symlink':
      entry.resume();
      if (rel !== '') tree.link(rel, header.linkname ?? '');
      return;
    default:
      entry.resume();
  }
}

/** What the entries made, and the links waiting to be made once they all are. */
class PlacedTree {
  /** Names that are, or lie on the way to, a file or directory. */
  private readonly occupied = new Set<string>(['']);
  private readonly links = new Map<string, string>();

  occupy(rel: string): void {
    for (let at = rel; !this.occupied.has(at); at = parentOf(at)) this.occupied.add(at);
  }

  link(rel: string, target: string): void {
    if (!this.links.has(rel)) this.links.set(rel, target);
    this.occupy(parentOf(rel));
  }

  /**
   * Makes the links no entry uses as a directory (so none is written
   * through or sits on another's path) and that stay inside `root`.
   */
  async makeLinks(root: string): Promise<void> {
    const candidates = new Map([...this.links].filter(([rel]) => !this.occupied.has(rel)));
    const leaving = linksLeavingRoot(candidates);
    for (const [rel, target] of candidates) {
      if (leaving.has(rel)) continue;
      await fsp.mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await fsp.symlink(target, path.join(root, rel));
    }
  }
}

function parentOf(rel: string): string {
  const at = rel.lastIndexOf('/');
  return at < 0 ? '' : rel.slice(0, at);
}
