'use strict';

const { spawn } = require('node:child_process');
const path = require('node:path');
const { trackChild } = require('./lib/cleanup');
const { claimBody, sweepManifest, workerIds } = require('./lib/fleet');
const { keepAliveAgent, percentile, requestJson, runLoops } = require('./lib/http-load');
const { startReceiver } = require('./lib/receiver');

const CONCURRENCY = 32;
const SIZES = { full: { jobs: 6000, warm: 1000 }, quick: { jobs: 1000, warm: 200 } };

/** Starts the probe and resolves once it is connected. */
function startProbe(url) {
  const child = trackChild(spawn(process.execPath, [path.join(__dirname, 'lib/sse-probe.js'), url], { stdio: ['ignore', 'pipe', 'inherit'] }));
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => (out += d));
  const ready = new Promise((resolve, reject) => {
    const check = () => out.startsWith('ready\n') && resolve();
    child.stdout.on('data', check);
    child.once('exit', (code) => reject(new Error(`sse-probe exited (${code}) before connecting`)));
  });
  return {
    ready,
    /** SIGTERM; resolves with the latencies it recorded. */
    stop: () =>
      new Promise((resolve, reject) => {
        child.removeAllListeners('exit');
        child.once('exit', () => {
          try {
            resolve(JSON.parse(out.slice('ready\n'.length)));
          } catch (err) {
            reject(err);
          }
        });
        child.kill('SIGTERM');
      }),
  };
}

/**
 * How soon a transition reaches a `GET /v1/events` client while 32 workers
 * claim as fast as they can. The client runs in its own process and times
 * each `job` message against the `updated_at` the receiver stamped when the
 * transition committed. The same-run baseline is what the claimers
 * themselves wait for the same transitions: the claim's round trip.
 */
async function events(report, { quick }) {
  const { jobs, warm } = quick ? SIZES.quick : SIZES.full;
  const workers = workerIds(CONCURRENCY);
  report.note(`${jobs} jobs claimed by ${CONCURRENCY} concurrent claimers, after ${warm} warm-up claims; one SSE client in its own process`);
  const rx = await startReceiver(
    'events',
    sweepManifest([
      { model: 'warmup', mode: 'events', count: warm, priority: 1 },
      { model: 'bench', mode: 'events', count: jobs },
    ]),
  );
  const agent = keepAliveAgent(CONCURRENCY);
  try {
    const claimAll = (n, latencies) =>
      runLoops(CONCURRENCY, async (slot, i) => {
        if (i >= n) return false;
        const res = await requestJson(agent, rx.port, { method: 'POST', path: '/v1/job/claim', json: claimBody(workers[slot]) }, [200]);
        latencies?.push(res.ms);
      });
    await claimAll(warm);
    const probe = startProbe(`http://127.0.0.1:${rx.port}/v1/events`);
    await probe.ready;
    const claimLatencies = [];
    const elapsed = await claimAll(jobs, claimLatencies);
    // The last messages are on their way; the counts and workers follow within a recount.
    await new Promise((r) => setTimeout(r, 500));
    const latencies = await probe.stop();

    report.figure('events_claims_per_s', (jobs / elapsed) * 1000, 'claims/s');
    report.figure('events_claim_answer_p50_ms', percentile(claimLatencies, 50), 'ms');
    report.figure('events_claim_answer_p99_ms', percentile(claimLatencies, 99), 'ms');
    report.verify('events_every_transition', latencies.length === jobs, `${latencies.length} job events for ${jobs} claims`, `${latencies.length}/${jobs}`);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    report.figure('events_p50_over_claim_answer_p50', p50 / Math.max(1, percentile(claimLatencies, 50)));
    report.check('events_latency_p50_ms', p50, '<', 100, 'ms');
    report.check('events_latency_p99_ms', p99, '<', 250, 'ms');
  } finally {
    agent.destroy();
    await rx.close();
  }
}

module.exports = { events };
