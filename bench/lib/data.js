'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const CHUNK = 8 * MiB;

/** Bytes free to an unprivileged user on the filesystem holding `dir`. */
function freeBytes(dir) {
  const s = fs.statfsSync(dir);
  return s.bavail * s.bsize;
}

/**
 * A bundle-sized file the receiver accepts: the zstd magic number, then
 * random bytes (what compressed data looks like). Answers its SHA-256.
 */
function writeZstdLikeFile(file, size) {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'w');
  try {
    const buf = Buffer.alloc(CHUNK);
    for (let written = 0; written < size; ) {
      const n = Math.min(CHUNK, size - written);
      const chunk = buf.subarray(0, n);
      crypto.randomFillSync(chunk);
      if (written === 0) chunk.set([0x28, 0xb5, 0x2f, 0xfd]);
      hash.update(chunk);
      fs.writeSync(fd, chunk);
      written += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/**
 * What a trainer leaves in `out/`: `files` float32 tensors of `total/files`
 * bytes each — random walks, so neighbouring weights share their high bytes
 * and zstd finds some structure, as in real checkpoints — plus the small
 * text files (metrics, log, model card). Seeded: the same bytes every run.
 */
function writeTrainerOutput(dir, total, files = 8) {
  fs.mkdirSync(path.join(dir, 'weights'), { recursive: true });
  const each = Math.floor(total / files / 4) * 4;
  const floats = new Float32Array(CHUNK / 4);
  let seed = 0x9e3779b9;
  for (let f = 0; f < files; f++) {
    const name = f < files - 1 ? path.join('weights', `layer_${f}.f32`) : 'optimizer_state.f32';
    const fd = fs.openSync(path.join(dir, name), 'w');
    const step = 1e-4 * (f + 1);
    let x = 0;
    try {
      for (let written = 0; written < each; ) {
        const n = Math.min(floats.length, (each - written) / 4);
        for (let i = 0; i < n; i++) {
          seed ^= seed << 13;
          seed ^= seed >>> 17;
          seed ^= seed << 5;
          x += ((seed >>> 0) / 4294967296 - 0.5) * step;
          // Weight decay keeps the walk near zero, as trained weights are.
          x *= 0.9999;
          floats[i] = x;
        }
        fs.writeSync(fd, new Uint8Array(floats.buffer, 0, n * 4));
        written += n * 4;
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  const log = Array.from({ length: 2000 }, (_, i) => `epoch ${i} step ${i * 100} loss ${(1 / (1 + i)).toFixed(6)} lr 0.001\n`);
  fs.writeFileSync(path.join(dir, 'train.log'), log.join(''));
  fs.writeFileSync(path.join(dir, 'metrics.json'), JSON.stringify({ accuracy: 0.91, loss: 0.21, epochs: 2000 }, null, 2));
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ kind: 'mlp', layers: files - 1, dtype: 'float32' }, null, 2));
}

/** Sum of the sizes of the regular files under `dir`. */
function dirBytes(dir) {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((sum, e) => sum + fs.statSync(path.join(e.parentPath, e.name)).size, 0);
}

module.exports = { MiB, GiB, freeBytes, writeZstdLikeFile, writeTrainerOutput, dirBytes };
