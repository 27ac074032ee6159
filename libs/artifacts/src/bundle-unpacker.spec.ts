import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BundlePacker } from './bundle-packer';
import { BundleDigestError, unpackBundle } from './bundle-unpacker';
import { TempDirs } from '../../../test/support/temp-dirs';

describe('unpackBundle', () => {
  const temp = new TempDirs();
  afterEach(() => temp.cleanup());

  /** A bundle packed by the worker's own packer from a small out/ dir. */
  async function bundle(): Promise<{ file: string; sha256: string }> {
    const root = temp.make('cis490-unpack-');
    const out = join(root, 'out');
    mkdirSync(join(out, 'sub'), { recursive: true });
    writeFileSync(join(out, 'model.json'), '{"w": [1, 2]}\n');
    writeFileSync(join(out, 'sub', 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
    const file = join(root, 'bundle.tar.zst');
    const packed = await new BundlePacker().pack(out, file);
    return { file, sha256: packed.sha256 };
  }

  it('unpacks what the packer packed, modes included, once the digest matches', async () => {
    const { file, sha256 } = await bundle();
    const dir = join(temp.make('cis490-inputs-'), 'job');
    await unpackBundle(createReadStream(file), dir, sha256);
    expect(readFileSync(join(dir, 'model.json'), 'utf8')).toBe('{"w": [1, 2]}\n');
    expect(statSync(join(dir, 'sub', 'run.sh')).mode & 0o777).toBe(0o755);
    // The same listing tar itself gives.
    expect(execFileSync('tar', ['-I', 'zstd', '-tf', file], { encoding: 'utf8' })).toContain('sub/run.sh');
  });

  it('keeps nothing of a bundle whose bytes are not the ones named', async () => {
    const { file } = await bundle();
    const dir = join(temp.make('cis490-inputs-'), 'job');
    await expect(unpackBundle(createReadStream(file), dir, 'a'.repeat(64))).rejects.toThrow(BundleDigestError);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(`${dir}.partial`)).toBe(false);
  });
});
