import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

  /**
   * A bundle made by hand with GNU tar, as someone hostile could: `links`
   * first, then `files` appended as a second archive (so a name can be a
   * link and, later, a directory with a file in it).
   */
  function hostileBundle(links: Record<string, string>, files: string[]): { file: string; sha256: string } {
    const root = temp.make('cis490-hostile-');
    const first = join(root, 'first');
    const second = join(root, 'second');
    mkdirSync(first);
    mkdirSync(second);
    writeFileSync(join(first, 'model.json'), '{}\n');
    for (const [name, target] of Object.entries(links)) {
      mkdirSync(dirname(join(first, name)), { recursive: true });
      symlinkSync(target, join(first, name));
    }
    for (const name of files) {
      mkdirSync(dirname(join(second, name)), { recursive: true });
      writeFileSync(join(second, name), 'owned\n');
    }
    const tar = join(root, 'bundle.tar');
    execFileSync('tar', ['-cf', tar, '-C', first, '.']);
    if (files.length) execFileSync('tar', ['-rf', tar, '-C', second, ...files]);
    execFileSync('zstd', ['-q', '--rm', tar]);
    const file = `${tar}.zst`;
    return { file, sha256: execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0] };
  }

  it('makes only the links that stay inside, following chains of links', async () => {
    const { file, sha256 } = hostileBundle(
      { abs: '/etc/passwd', up: '../..', 'sub/up': '../../x', here: '.', above: 'here/..', ok: 'model.json', 'sub/ok': '../here/model.json' },
      [],
    );
    const parent = temp.make('cis490-inputs-');
    const dir = join(parent, 'job');
    await unpackBundle(createReadStream(file), dir, sha256);
    const links = (rel: string) => readdirSync(join(dir, rel)).filter((n) => lstatSync(join(dir, rel, n)).isSymbolicLink()).sort();
    expect(links('.')).toEqual(['here', 'ok']);
    expect(links('sub')).toEqual(['ok']);
    expect(readlinkSync(join(dir, 'sub', 'ok'))).toBe('../here/model.json');
    expect(readFileSync(join(dir, 'sub', 'ok'), 'utf8')).toBe('{}\n');
  });

  it('never writes through a link, even one that an entry later uses as a directory', async () => {
    // "escape" reads as "." by its letters; here/.. is the dir above the bundle.
    const { file, sha256 } = hostileBundle({ here: '.', escape: 'here/..' }, ['escape/pwned']);
    const parent = temp.make('cis490-inputs-');
    const dir = join(parent, 'job');
    await unpackBundle(createReadStream(file), dir, sha256);
    expect(existsSync(join(parent, 'pwned'))).toBe(false);
    expect(lstatSync(join(dir, 'escape')).isDirectory()).toBe(true);
    expect(readFileSync(join(dir, 'escape', 'pwned'), 'utf8')).toBe('owned\n');
    expect(readdirSync(parent)).toEqual(['job']);
  });
});
