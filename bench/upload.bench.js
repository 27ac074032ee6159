'use strict';

const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { tempDir, removeDir } = require('./lib/cleanup');
const { timeCommand } = require('./lib/command');
const { GiB, MiB, freeBytes, writeZstdLikeFile } = require('./lib/data');
const { claimBody, sweepManifest } = require('./lib/fleet');
const { keepAliveAgent, requestJson } = require('./lib/http-load');
const { startReceiver } = require('./lib/receiver');
const { rssBytes, sampleRss } = require('./lib/proc-stats');

const WORKER = 'bench-uploader';

/**
 * PUT /v1/model/{id} of a 1 GiB bundle, streamed from disk by the client,
 * against `sha256sum` of the same file (the least any receiver must do is
 * read and hash it); and how much the receiver's memory grows meanwhile.
 */
async function upload(report, { quick }) {
  const size = quick ? 64 * MiB : GiB;
  const dir = tempDir('upload');
  try {
    const free = freeBytes(dir);
    if (free < 4 * GiB) {
      report.skip('upload', `only ${(free / GiB).toFixed(1)} GiB free under ${path.dirname(dir)}; needs 4 GiB`);
      return;
    }
    report.note(`${(size / MiB).toFixed(0)} MiB bundle (zstd magic + random bytes) under ${dir}`);
    const file = path.join(dir, 'bundle.tar.zst');
    const sha = writeZstdLikeFile(file, size);
    // Untimed: the file goes to disk first, so the upload's writes do not queue behind its writeback.
    await timeCommand('sync', []);

    // The baseline first, while the file is fresh in the page cache for both.
    const summed = await timeCommand('sha256sum', [file]);
    if (!summed.stdout.startsWith(sha)) throw new Error(`sha256sum disagrees: ${summed.stdout.trim()} vs ${sha}`);
    const baseMBs = size / 1e6 / (summed.ms / 1000);

    // The receiver's data dir is a temp dir on the same disk as the file.
    const rx = await startReceiver('upload', sweepManifest([{ model: 'bench', mode: 'upload', count: 4 }]));
    const agent = keepAliveAgent(1);
    try {
      const claim = await requestJson(agent, rx.port, { method: 'POST', path: '/v1/job/claim', json: claimBody(WORKER) });
      const jobId = claim.body.job.id;

      // Warm the upload path with small bundles before measuring memory and time.
      const small = path.join(dir, 'small.tar.zst');
      for (let i = 0; i < (quick ? 5 : 20); i++) {
        const smallSha = writeZstdLikeFile(small, MiB);
        await put(rx.port, jobId, small, MiB, smallSha);
      }
      fs.rmSync(small);
      await new Promise((r) => setTimeout(r, 500));
      const before = rssBytes(rx.pid);

      const sampler = sampleRss(rx.pid, 50);
      const result = await put(rx.port, jobId, file, size, sha).finally(() => sampler.stop());
      const rss = sampler.stop();
      const mbs = size / 1e6 / (result.ms / 1000);
      const stored = fs.statSync(path.join(rx.dataDir, 'models', result.body.path)).size;
      report.verify(
        'upload_stored',
        result.body.sha256 === sha && result.body.size === size && stored === size,
        `answered sha256 ${result.body.sha256.slice(0, 12)}…, size ${result.body.size}; stored ${stored} bytes`,
        `${result.body.size} bytes, sha ok`,
      );
      report.figure('upload_MB_per_s', mbs, 'MB/s');
      report.figure('upload_baseline_sha256sum_MB_per_s', baseMBs, 'MB/s');
      report.check('upload_ratio', mbs / baseMBs, '>=', 0.5);
      report.figure('upload_rss_before_MiB', before / MiB, 'MiB');
      report.figure('upload_rss_peak_MiB', rss.peak / MiB, `MiB (${rss.samples} samples)`);
      report.check('upload_rss_growth_MiB', (rss.peak - before) / MiB, '<', 64, 'MiB');
    } finally {
      agent.destroy();
      await rx.close();
    }
  } finally {
    removeDir(dir);
  }
}

/** A streamed PUT of `file`, as cis490-worker uploads (never the whole file in memory). */
function put(port, jobId, file, size, sha) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'PUT',
        path: `/v1/model/${jobId}`,
        headers: {
          'content-type': 'application/zstd',
          'content-length': size,
          'x-worker-id': WORKER,
          'x-content-sha256': sha,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => {
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          if (res.statusCode !== 201) reject(new Error(`upload answered ${res.statusCode}: ${text.slice(0, 300)}`));
          else resolve({ ms, body: JSON.parse(text) });
        });
      },
    );
    req.on('error', reject);
    const source = fs.createReadStream(file, { highWaterMark: MiB });
    source.on('error', (err) => req.destroy(err));
    source.pipe(req);
  });
}

module.exports = { upload };
