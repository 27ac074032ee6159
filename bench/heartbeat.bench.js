'use strict';

const { startBareServer } = require('./lib/bare-baseline');
const { claimBody, sweepManifest, workerIds } = require('./lib/fleet');
const { keepAliveAgent, percentile, request, requestJson, runLoops } = require('./lib/http-load');
const { cpuMs } = require('./lib/proc-stats');
const { startReceiver } = require('./lib/receiver');

const CONCURRENCY = 32;
/** Jobs held, heartbeats timed, warm-up heartbeats: in a full run, and under BENCH_QUICK. */
const SIZES = { full: { running: 200, beats: 5000, warm: 2000 }, quick: { running: 50, beats: 1000, warm: 400 } };

/**
 * Heartbeat latency with 200 running jobs: 32 senders beat the jobs
 * round-robin, each beat as its holder. The baseline is the same load against
 * a bare node:http server.
 */
async function heartbeat(report, { quick }) {
  const { running, beats, warm } = quick ? SIZES.quick : SIZES.full;
  const workers = workerIds(CONCURRENCY);
  report.note(`${running} jobs held by ${CONCURRENCY} workers, ${beats} heartbeats from ${CONCURRENCY} senders, ${warm} warm-up beats`);

  const rx = await startReceiver('heartbeat', sweepManifest([{ model: 'bench', mode: 'heartbeat', count: running }]));
  const agent = keepAliveAgent(CONCURRENCY);
  try {
    const held = [];
    await runLoops(CONCURRENCY, async (slot) => {
      const res = await requestJson(
        agent,
        rx.port,
        { method: 'POST', path: '/v1/job/claim', json: claimBody(workers[slot]) },
        [200, 204],
      );
      if (res.status === 204) return false;
      held.push({ id: res.body.job.id, worker_id: workers[slot] });
    });
    if (held.length !== running) throw new Error(`claimed ${held.length} jobs, expected ${running}`);

    const beat = (i) => {
      const job = held[i % held.length];
      return request(agent, rx.port, {
        method: 'POST',
        path: `/v1/job/${job.id}/heartbeat`,
        json: { worker_id: job.worker_id, log_tail: `epoch ${i}: loss 0.${1000 + (i % 9000)}\n` },
      });
    };
    const refused = [];
    const drive = (n, latencies) =>
      runLoops(CONCURRENCY, async (_slot, i) => {
        if (i >= n) return false;
        const res = await beat(i);
        if (res.status !== 200) refused.push(`${res.status} ${res.text.slice(0, 200)}`);
        latencies?.push(res.ms);
      });
    await drive(warm);
    const latencies = [];
    const cpu0 = cpuMs(rx.pid);
    const elapsed = await drive(beats, latencies);
    const cpuPerReq = (cpuMs(rx.pid) - cpu0) / beats;
    report.figure('heartbeat_p50_ms', percentile(latencies, 50), 'ms');
    report.figure('heartbeat_max_ms', Math.max(...latencies), 'ms');
    report.figure('heartbeat_per_s', (beats / elapsed) * 1000, 'req/s');
    report.figure('heartbeat_cpu_ms_per_req', cpuPerReq, 'ms');
    const p99 = percentile(latencies, 99);

    const listed = (await requestJson(agent, rx.port, { path: '/v1/jobs?limit=1' })).body.counts;
    report.verify(
      'heartbeat_answers',
      refused.length === 0 && listed.running === running,
      `${refused.length} beats refused${refused.length ? ` (first: ${refused[0]})` : ''}; ${listed.running} jobs running (want 0, ${running})`,
      `${refused.length} refused, ${listed.running} running`,
    );

    const bare = await startBareServer();
    const bareAgent = keepAliveAgent(CONCURRENCY);
    try {
      const driveBare = (n, lat) =>
        runLoops(CONCURRENCY, async (_slot, i) => {
          if (i >= n) return false;
          const job = held[i % held.length];
          const res = await requestJson(bareAgent, bare.port, {
            method: 'POST',
            path: `/v1/job/${job.id}/heartbeat`,
            json: { worker_id: job.worker_id, log_tail: `epoch ${i}: loss 0.${1000 + (i % 9000)}\n` },
          });
          lat?.push(res.ms);
        });
      await driveBare(warm);
      const bareLatencies = [];
      const bareCpu0 = cpuMs(bare.pid);
      await driveBare(beats, bareLatencies);
      report.figure('heartbeat_baseline_p99_ms', percentile(bareLatencies, 99), 'ms');
      report.figure('heartbeat_baseline_cpu_ms_per_req', (cpuMs(bare.pid) - bareCpu0) / beats, 'ms');
    } finally {
      bareAgent.destroy();
      await bare.close();
    }
    report.check('heartbeat_p99_ms', p99, '<', 50, 'ms');
  } finally {
    agent.destroy();
    await rx.close();
  }
}

module.exports = { heartbeat };
