import * as path from 'node:path';

export const BUNDLE_FILE = 'bundle.tar.zst';

/** `<model>_<mode>/<sha256>/bundle.tar.zst`, with `/` on every platform: the form the API answers. */
export function bundleRelativePath(model: string, mode: string, sha256: string): string {
  return `${model}_${mode}/${sha256}/${BUNDLE_FILE}`;
}

/** True when `candidate` lies strictly inside `root` (both absolute). */
export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}
