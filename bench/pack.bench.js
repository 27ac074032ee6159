'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { tempDir, removeDir } = require('./lib/cleanup');
const { timeCommand } = require('./lib/command');
const { GiB, MiB, dirBytes, freeBytes, writeTrainerOutput } = require('./lib/data');
const { ROOT } = require('./lib/receiver');

/** Rounds of baseline-then-packer; each side's figure is its best round, so a slow spell costs neither side. */
const ROUNDS = 2;

/**
 * BundlePacker on 1 GiB of trainer output against `tar | zstd -3 -T1` on the
 * same dir. The baseline is `zstd -3` as the CLI runs it by default (one
 * worker thread), and ends with `sync FILE` because the packer fsyncs its
 * bundle before renaming it into place.
 */
async function pack(report, { quick }) {
  const total = quick ? 64 * MiB : GiB;
  const dir = tempDir('pack');
  try {
    const free = freeBytes(dir);
    if (free < 4 * GiB) {
      report.skip('pack', `only ${(free / GiB).toFixed(1)} GiB free under ${path.dirname(dir)}; needs 4 GiB`);
      return;
    }
    const out = path.join(dir, 'out');
    writeTrainerOutput(out, total);
    const bytes = dirBytes(out);
    report.note(
      `${(bytes / MiB).toFixed(0)} MiB of trainer output (8 float32 random-walk tensors + text) under ${out}; best of ${ROUNDS} alternating rounds`,
    );

    const baseFile = path.join(dir, 'baseline.tar.zst');
    const dest = path.join(dir, 'bundle.tar.zst');
    const { BundlePacker } = require('@cis490/artifacts');
    let baseMs = Infinity;
    let ms = Infinity;
    let baseSize = 0;
    let packed;
    for (let round = 0; round < ROUNDS; round++) {
      for (const file of [baseFile, dest]) fs.rmSync(file, { force: true });
      // Untimed: what came before goes to disk first, so neither side pays for its writeback.
      await timeCommand('sync', []);
      const base = await timeCommand('sh', [
        '-c',
        'tar -cf - -C "$1" . | zstd -3 -T1 -q -f -o "$2" && sync "$2"',
        'sh',
        out,
        baseFile,
      ]);
      baseMs = Math.min(baseMs, base.ms);
      baseSize = fs.statSync(baseFile).size;

      await timeCommand('sync', []);
      const t0 = process.hrtime.bigint();
      packed = await new BundlePacker().pack(out, dest);
      ms = Math.min(ms, Number(process.hrtime.bigint() - t0) / 1e6);
    }

    report.verify(
      'pack_size',
      packed.size === fs.statSync(dest).size && Math.abs(packed.size / baseSize - 1) < 0.05,
      `bundle ${packed.size} bytes (${((100 * packed.size) / bytes).toFixed(1)}% of input), tar|zstd ${baseSize} bytes`,
      `${((100 * packed.size) / bytes).toFixed(1)}% of input`,
    );
    report.figure('pack_MB_per_s', bytes / 1e6 / (ms / 1000), 'MB/s');
    report.figure('pack_ms', ms, 'ms');
    report.figure('pack_baseline_tar_zstd_ms', baseMs, 'ms');
    report.check('pack_ratio', baseMs / ms, '>=', 0.5);
  } finally {
    removeDir(dir);
  }
}

module.exports = { pack };
