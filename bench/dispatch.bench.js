'use strict';

const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { tempDir, trackChild } = require('./lib/cleanup');
const { claimBody, workerIds } = require('./lib/fleet');
const { keepAliveAgent, percentile, requestJson } = require('./lib/http-load');
const { rssBytes } = require('./lib/proc-stats');
const { ROOT, startReceiver } = require('./lib/receiver');

const WORKER_MAIN = path.join(ROOT, 'dist/apps/worker/src/main.js');
const TRAINER = path.join(ROOT, 'examples/trainer/train.js');
const SIZES = { full: { rounds: 20, pollRounds: 3, held: 1000 }, quick: { rounds: 5, pollRounds: 2, held: 200 } };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const manifestOf = (n) =>
  Array.from({ length: n }, (_, i) => `[[jobs]]\nmodel = "test"\nmode = "dispatch"\nseed = ${i}\n`).join('\n');

/** A real worker on `rx` with the example trainer; `env` chooses how it waits for work. */
function startWorker(rx, env) {
  const child = trackChild(
    spawn(process.execPath, [WORKER_MAIN, 'run'], {
      env: {
        PATH: process.env.PATH,
        CIS490_RECEIVER_URL: `http://127.0.0.1:${rx.port}`,
        CIS490_TRAINER_CMD: `"${process.execPath}" "${TRAINER}"`,
        CIS490_WORK_DIR: tempDir('dispatch-work'),
        CIS490_WORKER_ID: 'bench-dispatch',
        CIS490_CUDA: '0',
        ...env,
      },
      stdio: 'ignore',
    }),
  );
  return { stop: () => child.kill('SIGKILL') };
}

/**
 * From `POST /v1/manifest/reload` adding one job to that job's claim by an
 * idle worker, `rounds` times: ms from sending the reload to the claim's
 * `claimed_at`. Waits for the worker to finish each job and sit idle again.
 */
async function dispatchTimes(rx, agent, rounds, firstSeed) {
  const times = [];
  for (let i = 0; i < rounds; i++) {
    fs.writeFileSync(rx.manifestPath, manifestOf(firstSeed + i + 1));
    const sent = Date.now();
    await requestJson(agent, rx.port, { method: 'POST', path: '/v1/manifest/reload', json: {}, headers: { 'x-operator-token': rx.operatorToken } });
    for (;;) {
      const { jobs } = (await requestJson(agent, rx.port, { path: `/v1/jobs?limit=1000` })).body;
      const job = jobs.find((j) => j.seed === firstSeed + i);
      if (job && job.status === 'completed') {
        times.push(Date.parse(job.claimed_at) - sent);
        break;
      }
      await sleep(50);
    }
    // Idle again: its next claim is held (or it sleeps its poll) before the next reload.
    await sleep(300);
  }
  return times;
}

/**
 * Dispatch latency: a job added by a reload reaches an idle real worker,
 * which waits on the receiver (long-poll claims, the default). The same-run
 * baseline is the same worker polling every 10 s as before (CIS490_CLAIM_WAIT_S=0).
 * Then the receiver's memory with 1,000 claims held at once, against itself
 * idle, and every held claim answered by one reload with exactly one job each.
 */
async function dispatch(report, { quick }) {
  const { rounds, pollRounds, held } = quick ? SIZES.quick : SIZES.full;
  report.note(`${rounds} reloads to an idle long-polling worker, ${pollRounds} to a polling one (CIS490_POLL_S=10); then ${held} held claims`);

  const rx = await startReceiver('dispatch', '');
  const agent = keepAliveAgent(4);
  try {
    let worker = startWorker(rx, {});
    await sleep(1500);
    const times = await dispatchTimes(rx, agent, rounds, 0);
    worker.stop();
    worker = startWorker(rx, { CIS490_CLAIM_WAIT_S: '0', CIS490_POLL_S: '10' });
    await sleep(1500);
    const polled = await dispatchTimes(rx, agent, pollRounds, rounds);
    worker.stop();
    report.figure('dispatch_polling_p50_ms', percentile(polled, 50), 'ms');
    report.figure('dispatch_long_poll_max_ms', Math.max(...times), 'ms');
    report.check('dispatch_long_poll_p50_ms', percentile(times, 50), '<', 50, 'ms');
  } finally {
    agent.destroy();
    await rx.close();
  }

  const rx2 = await startReceiver('held', '', { CIS490_HEARTBEAT_INTERVAL_S: '60' });
  const heldAgent = new http.Agent({ keepAlive: true, maxSockets: held });
  const agent2 = keepAliveAgent(1);
  try {
    await sleep(1000);
    const idle = rssBytes(rx2.pid);
    const ids = workerIds(held, 'held');
    const answers = ids.map((id) =>
      requestJson(heldAgent, rx2.port, { method: 'POST', path: '/v1/job/claim?wait_s=60', json: claimBody(id) }, [200, 204]),
    );
    // Every claim has reached the receiver (each records its worker) and is waiting.
    for (;;) {
      const { workers } = (await requestJson(agent2, rx2.port, { path: '/v1/workers' })).body;
      if (workers.length === held) break;
      await sleep(200);
    }
    await sleep(500);
    const holding = rssBytes(rx2.pid);
    report.figure('held_claims_idle_rss_MiB', idle / 1024 / 1024, 'MiB');
    fs.writeFileSync(rx2.manifestPath, manifestOf(held));
    await requestJson(agent2, rx2.port, { method: 'POST', path: '/v1/manifest/reload', json: {}, headers: { 'x-operator-token': rx2.operatorToken } });
    const settled = await Promise.all(answers);
    const got = settled.filter((a) => a.status === 200).map((a) => a.body.job.id);
    report.verify('held_claims_each_one_job', got.length === held && new Set(got).size === held, `${got.length} claims answered 200 with ${new Set(got).size} distinct jobs (want ${held})`, `${new Set(got).size}/${held}`);
    report.check('held_claims_rss_growth_MiB', (holding - idle) / 1024 / 1024, '<', 64, 'MiB');
  } finally {
    heldAgent.destroy();
    agent2.destroy();
    await rx2.close();
  }
}

module.exports = { dispatch };
