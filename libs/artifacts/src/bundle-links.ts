/**
 * Whether a bundle's symlinks stay inside it. A link that leaves `out/`
 * (`/etc/shadow`, `../../etc`) would be recreated by whoever extracts the
 * bundle, pointing into their machine; so the packer drops such links and
 * the unpacker never creates them.
 *
 * Resolution is done on the bundle's own names, not on a disk: the extracted
 * tree holds exactly the bundle's entries, so this is how a kernel would
 * follow the links there, chains included (`a -> .` makes `a/..` the dir
 * above). A name that is not a link counts as a directory: a path through a
 * missing name fails to resolve, so it can only err on the side of refusing.
 */

/** Hops a kernel follows before ELOOP; a longer chain counts as leaving. */
const MAX_HOPS = 40;

/** `links`: entry name (relative, `/`-separated, no trailing slash) → target, verbatim. */
export type LinkTable = ReadonlyMap<string, string>;

/**
 * The links that lead outside the root, given every link of the tree. Once
 * one is gone, a chain through it no longer resolves, so the rest are
 * checked again without it until none leaves.
 */
export function linksLeavingRoot(links: LinkTable): Map<string, string> {
  const kept = new Map(links);
  const leaving = new Map<string, string>();
  for (;;) {
    const now = [...kept].filter(([name]) => resolveLink(kept, name) === null);
    if (now.length === 0) return leaving;
    for (const [name, target] of now) {
      kept.delete(name);
      leaving.set(name, target);
    }
  }
}

/** Where the link `name` ends up, as path components under the root; null when it leaves. */
function resolveLink(links: LinkTable, name: string): string[] | null {
  const dir = name.split('/').slice(0, -1);
  return follow(links, dir, links.get(name) ?? '', { hops: 0 });
}

function follow(links: LinkTable, from: readonly string[], target: string, count: { hops: number }): string[] | null {
  // Absolute on some system, or a separator on Windows: out of the bundle there.
  if (target.startsWith('/') || target.includes('\\') || /^[A-Za-z]:/.test(target)) return null;
  let at = [...from];
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (at.length === 0) return null;
      at.pop();
      continue;
    }
    const link = links.get([...at, part].join('/'));
    if (link === undefined) {
      at.push(part);
      continue;
    }
    if (++count.hops > MAX_HOPS) return null;
    const resolved = follow(links, at, link, count);
    if (resolved === null) return null;
    at = resolved;
  }
  return at;
}
