import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';

/** `data` compressed by Debian's zstd CLI: a bundle as a worker would upload it, made by another tool. */
export const zstd = (data: string | Buffer): Buffer => {
  const r = spawnSync('zstd', ['-q', '-1', '-c'], { input: data, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`zstd failed: ${r.stderr}`);
  return r.stdout as Buffer;
};

export const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
