import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listBundleEntries } from './bundle-entries';
import { BundlePacker, writeBundle } from './bundle-packer';

const LONG = `${'é'.repeat(30)}-${'x'.repeat(90)}.txt`;

/** The trainer outputs every test packs, written in `order` with the given modes. */
const FILES: Record<string, { content: string | Buffer; mode?: number }> = {
  'model.json': { content: '{"w":[0.1,0.2]}' },
  'metrics.json': { content: '{"accuracy":0.93}' },
  'a-b': { content: 'dash' },
  'a/z.txt': { content: 'in a' },
  'a/b/deep.bin': { content: Buffer.alloc(200_000, 0xab) },
  a0: { content: 'zero' },
  B: { content: 'upper case sorts first' },
  'empty.txt': { content: '' },
  'run.sh': { content: '#!/bin/sh\necho hi\n', mode: 0o700 },
  'tool/also-exec': { content: 'x', mode: 0o710 },
  [`deep/${LONG}`]: { content: 'long utf-8 name' },
};

/** Bytewise order of the entry names, directories with their trailing slash. */
const EXPECTED_ORDER = [
  'B', 'a-b', 'a/', 'a/b/', 'a/b/deep.bin', 'a/z.txt', 'a0', 'deep/', `deep/${LONG}`, 'empty.txt',
  'latest', 'metrics.json', 'model.json', 'run.sh', 'tool/', 'tool/also-exec',
];

function writeOutputs(dir: string, order: string[], opts: { mtime: Date; fileMode: number }): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const name of order) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, FILES[name].content);
    fs.chmodSync(file, FILES[name].mode ?? opts.fileMode);
    fs.utimesSync(file, opts.mtime, opts.mtime);
  }
  fs.symlinkSync('model.json', path.join(dir, 'latest'));
}

/** Tar headers of the decompressed bundle, read straight from the bytes (pax headers skipped). */
function tarHeaders(bundle: string): { name: string; mode: number; uid: number; gid: number; mtime: number; uname: string; gname: string; type: string }[] {
  const tar = execFileSync('zstd', ['-d', '-c', '-q', bundle], { maxBuffer: 64 << 20 });
  const str = (b: Buffer) => b.toString('utf8').replace(/\0.*$/s, '');
  const oct = (b: Buffer) => parseInt(str(b).trim() || '0', 8);
  const out = [];
  let paxName: string | null = null;
  for (let off = 0; off + 512 <= tar.length; ) {
    const h = tar.subarray(off, off + 512);
    if (h.every((byte) => byte === 0)) break;
    const size = oct(h.subarray(124, 136));
    const type = String.fromCharCode(h[156]);
    const body = tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      paxName = /\d+ path=(.*)\n/.exec(body.toString('utf8'))?.[1] ?? null;
      continue;
    }
    const prefix = str(h.subarray(345, 500));
    const name = paxName ?? (prefix ? `${prefix}/` : '') + str(h.subarray(0, 100));
    paxName = null;
    out.push({
      name, type,
      mode: oct(h.subarray(100, 108)), uid: oct(h.subarray(108, 116)), gid: oct(h.subarray(116, 124)),
      mtime: oct(h.subarray(136, 148)), uname: str(h.subarray(265, 297)), gname: str(h.subarray(297, 329)),
    });
  }
  return out;
}

const sha256sum = (file: string) => execFileSync('sha256sum', [file]).toString().split(' ')[0];

describe('BundlePacker', () => {
  let tmp: string;
  let out: string;
  const packer = new BundlePacker();

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cis490-packer-'));
    out = path.join(tmp, 'out');
    writeOutputs(out, Object.keys(FILES), { mtime: new Date('2026-03-01T12:00:00Z'), fileMode: 0o644 });
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('writes a tar.zst that tar lists in bytewise order with fixed modes, owners and times', async () => {
    const dest = path.join(tmp, 'bundle.tar.zst');
    await packer.pack(out, dest);

    const listing = execFileSync('tar', ['-I', 'zstd', '--numeric-owner', '--full-time', '-tvf', dest]).toString().trim().split('\n');
    expect(listing.map((line) => line.split(/\s+/).slice(5).join(' '))).toEqual(
      EXPECTED_ORDER.map((name) => (name === 'latest' ? 'latest -> model.json' : name)),
    );
    const perms = Object.fromEntries(listing.map((line) => [line.split(/\s+/).slice(5)[0], line.split(/\s+/)[0]]));
    expect(perms).toMatchObject({ 'a/': 'drwxr-xr-x', 'model.json': '-rw-r--r--', 'run.sh': '-rwxr-xr-x', 'tool/also-exec': '-rwxr-xr-x', latest: 'lrwxrwxrwx' });
    for (const line of listing) {
      const [, owner, , date, time] = line.split(/\s+/);
      expect([owner, date, time]).toEqual(['0/0', '1970-01-01', '00:00:00']);
    }

    const headers = tarHeaders(dest);
    expect(headers.map((h) => h.name)).toEqual(EXPECTED_ORDER);
    for (const h of headers) {
      expect({ uid: h.uid, gid: h.gid, mtime: h.mtime, uname: h.uname, gname: h.gname }).toEqual({ uid: 0, gid: 0, mtime: 0, uname: '', gname: '' });
      expect(h.mode).toBe(h.type === '5' ? 0o755 : h.type === '2' ? 0o777 : ['run.sh', 'tool/also-exec'].includes(h.name) ? 0o755 : 0o644);
    }
  });

  it('extracts to the same contents and links', async () => {
    const dest = path.join(tmp, 'bundle.tar.zst');
    await packer.pack(out, dest);
    const x = path.join(tmp, 'x');
    fs.mkdirSync(x);
    execFileSync('tar', ['-I', 'zstd', '-xf', dest, '-C', x]);
    for (const [name, { content }] of Object.entries(FILES)) {
      expect(fs.readFileSync(path.join(x, name)).equals(Buffer.from(content))).toBe(true);
    }
    expect(fs.readlinkSync(path.join(x, 'latest'))).toBe('model.json');
    expect(fs.statSync(path.join(x, 'run.sh')).mode & 0o777).toBe(0o755);
  });

  it('leaves out symlinks that lead outside out/, chains included, and names them', async () => {
    fs.symlinkSync('/etc/shadow', path.join(out, 'shadow'));
    fs.symlinkSync('../../../../etc', path.join(out, 'a', 'etc'));
    fs.symlinkSync('.', path.join(out, 'here'));
    // Reads as "." by its letters, but here/.. is the dir above out/.
    fs.symlinkSync('here/..', path.join(out, 'above'));
    fs.symlinkSync('../model.json', path.join(out, 'a', 'model'));
    const dest = path.join(tmp, 'bundle.tar.zst');

    const result = await packer.pack(out, dest);

    expect(result.droppedLinks).toEqual([
      { name: 'a/etc', target: '../../../../etc' },
      { name: 'above', target: 'here/..' },
      { name: 'shadow', target: '/etc/shadow' },
    ].sort((x, y) => (x.name < y.name ? -1 : 1)));
    const listing = execFileSync('tar', ['-I', 'zstd', '-tvf', dest], { encoding: 'utf8' });
    const links = listing.split('\n').filter((l) => l.startsWith('l')).map((l) => l.split(/\s+/).slice(5).join(' ')).sort();
    expect(links).toEqual(['a/model -> ../model.json', 'here -> .', 'latest -> model.json']);
  });

  it('returns the sha256 and size of the file it wrote, and leaves no part file', async () => {
    const dest = path.join(tmp, 'bundle.tar.zst');
    const result = await packer.pack(out, dest);
    expect(result.sha256).toBe(sha256sum(dest));
    expect(result.size).toBe(fs.statSync(dest).size);
    expect(fs.readdirSync(tmp).sort()).toEqual(['bundle.tar.zst', 'out']);
  });

  it('gives identical bytes for identical outputs, whatever their mtimes, modes and creation order', async () => {
    const first = await packer.pack(out, path.join(tmp, 'one.tar.zst'));
    const again = await packer.pack(out, path.join(tmp, 'two.tar.zst'));
    const copy = path.join(tmp, 'copy');
    writeOutputs(copy, Object.keys(FILES).reverse(), { mtime: new Date('2031-07-15T08:30:00Z'), fileMode: 0o600 });
    const copied = await packer.pack(copy, path.join(tmp, 'three.tar.zst'));

    expect(again.sha256).toBe(first.sha256);
    expect(copied.sha256).toBe(first.sha256);
    expect(fs.readFileSync(path.join(tmp, 'three.tar.zst')).equals(fs.readFileSync(path.join(tmp, 'one.tar.zst')))).toBe(true);

    fs.appendFileSync(path.join(copy, 'metrics.json'), ' ');
    const changed = await packer.pack(copy, path.join(tmp, 'four.tar.zst'));
    expect(changed.sha256).not.toBe(first.sha256);
  });

  it('packs an empty out dir into a valid, empty tar', async () => {
    const empty = path.join(tmp, 'empty-out');
    fs.mkdirSync(empty);
    const dest = path.join(tmp, 'empty.tar.zst');
    await packer.pack(empty, dest);
    expect(execFileSync('tar', ['-I', 'zstd', '-tf', dest]).toString()).toBe('');
  });

  it('fails cleanly when a file disappears while packing', async () => {
    const entries = await listBundleEntries(out);
    fs.rmSync(path.join(out, 'model.json'));
    const dest = path.join(tmp, 'bundle.tar.zst');
    await expect(writeBundle(entries, dest)).rejects.toThrow(/ENOENT/);
    expect(fs.readdirSync(tmp).sort()).toEqual(['out']);
  });

  it('fails cleanly when the disk is full', async () => {
    const dest = path.join(tmp, 'bundle.tar.zst');
    // Writes through this link hit /dev/full, which answers every write with ENOSPC.
    fs.symlinkSync('/dev/full', `${dest}.part`);
    await expect(packer.pack(out, dest)).rejects.toThrow(/ENOSPC/);
    expect(fs.readdirSync(tmp).sort()).toEqual(['out']);
  });

  it('refuses to write the bundle inside the dir it packs', async () => {
    await expect(packer.pack(out, path.join(out, 'bundle.tar.zst'))).rejects.toThrow(/outside/);
    expect(fs.existsSync(path.join(out, 'bundle.tar.zst.part'))).toBe(false);
  });

  it('refuses names archiver would rewrite rather than store them under another name', async () => {
    fs.writeFileSync(path.join(out, 'epoch:3'), 'x');
    await expect(packer.pack(out, path.join(tmp, 'bundle.tar.zst'))).rejects.toThrow(/epoch:3/);
  });
});
