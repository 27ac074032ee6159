import { promises as fsp, type Stats } from 'node:fs';
import * as path from 'node:path';

/** One tar entry of a bundle, with the header fields SPEC §5 fixes. */
export interface BundleEntry {
  /** Path relative to `out/`, `/`-separated; directories end with `/`. */
  name: string;
  type: 'file' | 'directory' | 'symlink';
  /** Absolute path on disk. */
  source: string;
  mode: number;
  stats: Stats;
  /** Symlinks only: the link's target, verbatim. */
  linkname?: string;
}

/**
 * Lists everything under `outDir` in the order the tar stores it: bytewise
 * order of the UTF-8 entry names, so a parent (`a/`) always precedes its
 * children. Modes are reduced to 0755/0644 so that umask and ownership on the
 * training host leave no trace. Symlinks are listed as symlinks (never
 * followed: a link out of `out/` must not pull outside files into the bundle;
 * the packer drops those, see `linksLeavingRoot`); sockets, FIFOs and devices
 * carry no data and are left out.
 */
export async function listBundleEntries(outDir: string): Promise<BundleEntry[]> {
  const root = path.resolve(outDir);
  const entries: BundleEntry[] = [];
  const pending: string[] = [''];
  while (pending.length > 0) {
    const rel = pending.pop() as string;
    for (const child of await fsp.readdir(path.join(root, rel))) {
      const childRel = rel === '' ? child : `${rel}/${child}`;
      const source = path.join(root, childRel);
      const stats = await fsp.lstat(source);
      if (stats.isDirectory()) {
        entries.push({ name: `${childRel}/`, type: 'directory', source, mode: 0o755, stats });
        pending.push(childRel);
      } else if (stats.isFile()) {
        entries.push({ name: childRel, type: 'file', source, mode: stats.mode & 0o111 ? 0o755 : 0o644, stats });
      } else if (stats.isSymbolicLink()) {
        entries.push({ name: childRel, type: 'symlink', source, mode: 0o777, stats, linkname: await fsp.readlink(source) });
      }
    }
  }
  for (const entry of entries) assertStorableName(entry.name);
  return entries.sort((a, b) => Buffer.compare(Buffer.from(a.name, 'utf8'), Buffer.from(b.name, 'utf8')));
}

/**
 * archiver rewrites some names (backslashes become `/`, a leading `word:` is
 * dropped as if it were a drive letter). Refuse them rather than ship a bundle
 * whose names differ from the trainer's files.
 */
function assertStorableName(name: string): void {
  if (name.includes('\\') || /^\w+:/.test(name)) {
    throw new Error(`cannot pack ${JSON.stringify(name)}: backslashes and a leading "name:" are not portable tar names`);
  }
}
