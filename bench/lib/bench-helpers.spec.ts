import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseManifest } from '@cis490/manifest';

// The bench is plain JavaScript run by node (bench/ is not compiled).
const { Report } = require('./report');
const { percentile } = require('./http-load');
const { jobsManifest, sweepManifest } = require('./fleet');
const { dirBytes, writeTrainerOutput, writeZstdLikeFile } = require('./data');
const { cpuMs, rssBytes } = require('./proc-stats');

function capture() {
  let text = '';
  const out = new Writable({
    write(chunk, _enc, done) {
      text += chunk;
      done();
    },
  });
  return { out, text: () => text };
}

describe('bench helpers', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cis490-bench-spec-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('takes nearest-rank percentiles of unsorted samples', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile(samples, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('prints figures and target checks, and fails the run on a missed target', () => {
    const { out, text } = capture();
    const report = new Report(out);
    report.section('claims', 'claims/s');
    report.figure('claims_per_s', 1234.4, 'req/s');
    expect(report.check('claims_ratio', 0.3, '>=', 0.25)).toBe(true);
    expect(report.failed).toBe(false);
    expect(report.check('heartbeat_p99_ms', 51.26, '<', 50, 'ms')).toBe(false);
    expect(report.failed).toBe(true);
    report.summary();
    expect(text()).toContain('figure claims_per_s = 1234 req/s\n');
    expect(text()).toContain('figure claims_ratio = 0.3 (target >= 0.25) ok\n');
    expect(text()).toContain('figure heartbeat_p99_ms = 51.3 ms (target < 50 ms) MISSED\n');
    expect(text()).toMatch(/1 ok, 1 missed, 0 errors, 0 skipped/);
  });

  it('counts a skipped bench as neither ok nor failed, and a NaN figure as missed', () => {
    const report = new Report(capture().out);
    report.skip('upload', 'only 1.0 GiB free');
    expect(report.failed).toBe(false);
    report.check('upload_ratio', NaN, '>=', 0.5);
    expect(report.failed).toBe(true);
  });

  it('writes manifests that parse into exactly the jobs the bench counts on', () => {
    const jobs = parseManifest(jobsManifest(300));
    if (!jobs.ok) throw new Error(JSON.stringify(jobs.errors));
    expect(jobs.manifest.jobs).toHaveLength(300);
    expect(jobs.warnings).toEqual([]);
    const sweeps = parseManifest(
      sweepManifest([
        { model: 'warmup', mode: 'bench', count: 20, priority: 1 },
        { model: 'bench', mode: 'claims', count: 30 },
      ]),
    );
    if (!sweeps.ok) throw new Error(JSON.stringify(sweeps.errors));
    expect(sweeps.manifest.jobs).toHaveLength(50);
    expect(new Set(sweeps.manifest.jobs.map((j) => j.id)).size).toBe(50);
    expect(sweeps.manifest.jobs.filter((j) => j.priority === 1).every((j) => j.model === 'warmup')).toBe(true);
  });

  it('writes a bundle-like file that starts with the zstd magic and hashes as answered', () => {
    const file = join(dir, 'b.tar.zst');
    const sha = writeZstdLikeFile(file, 9 * 1024 * 1024 + 3);
    const bytes = readFileSync(file);
    expect(bytes.length).toBe(9 * 1024 * 1024 + 3);
    expect([...bytes.subarray(0, 4)]).toEqual([0x28, 0xb5, 0x2f, 0xfd]);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(sha);
  });

  it('writes the same partly compressible trainer output every time', () => {
    writeTrainerOutput(join(dir, 'a'), 4 * 1024 * 1024);
    writeTrainerOutput(join(dir, 'b'), 4 * 1024 * 1024);
    expect(dirBytes(join(dir, 'a'))).toBeGreaterThanOrEqual(4 * 1024 * 1024);
    const tensor = 'weights/layer_0.f32';
    expect(readFileSync(join(dir, 'a', tensor)).equals(readFileSync(join(dir, 'b', tensor)))).toBe(true);
    const packed = spawnSync('zstd', ['-3', '-q', '-c', join(dir, 'a', tensor)], { maxBuffer: 64 * 1024 * 1024 });
    const ratio = (packed.stdout as Buffer).length / statSync(join(dir, 'a', tensor)).size;
    expect(ratio).toBeGreaterThan(0.3);
    expect(ratio).toBeLessThan(0.99);
  });

  it('reads CPU time and RSS of a live process from /proc', () => {
    expect(rssBytes(process.pid)).toBeGreaterThan(1024 * 1024);
    expect(cpuMs(process.pid)).toBeGreaterThan(0);
  });
});
