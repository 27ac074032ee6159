'use strict';

const { spawn } = require('node:child_process');
const path = require('node:path');
const { tempDir, trackChild } = require('./lib/cleanup');
const { keepAliveAgent, requestJson } = require('./lib/http-load');
const { cpuMs } = require('./lib/proc-stats');
const { ROOT, startReceiver } = require('./lib/receiver');

const WORKER_MAIN = path.join(ROOT, 'dist/apps/worker/src/main.js');
const BYTES_PER_S = 1024 * 1024;
const SIZES = { full: { seconds: 20 }, quick: { seconds: 8 } };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * What a worker forwarding a chatty trainer's log at 1 MiB/s costs the
 * receiver: its CPU time over the middle of the run, as a share of one core.
 * The same-run baseline is the same receiver idle over a window as long,
 * just before the job is claimed.
 */
async function logs(report, { quick }) {
  const { seconds } = quick ? SIZES.quick : SIZES.full;
  report.note(`one worker, a trainer printing ${BYTES_PER_S / 1024 / 1024} MiB/s for ${seconds} s; receiver CPU over the middle ${seconds - 4} s`);
  const rx = await startReceiver('logs', '[[jobs]]\nmodel = "chatty"\nmode = "logs"\n');
  const agent = keepAliveAgent(2);
  let worker;
  try {
    const window = (seconds - 4) * 1000;
    const idle0 = cpuMs(rx.pid);
    await sleep(window);
    const idleShare = (cpuMs(rx.pid) - idle0) / window;

    const work = tempDir('logs-work');
    worker = trackChild(
      spawn(process.execPath, [WORKER_MAIN, 'run', '--once'], {
        env: {
          PATH: process.env.PATH,
          CIS490_RECEIVER_URL: `http://127.0.0.1:${rx.port}`,
          CIS490_TRAINER_CMD: `"${process.execPath}" "${path.join(__dirname, 'lib/chatty-trainer.js')}"`,
          CIS490_WORK_DIR: work,
          CIS490_WORKER_ID: 'bench-logs',
          CIS490_CUDA: '0',
          CHATTY_BYTES_PER_S: String(BYTES_PER_S),
          CHATTY_SECONDS: String(seconds),
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      }),
    );
    let stderr = '';
    worker.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise((resolve) => worker.once('exit', resolve));

    const job = async () => (await requestJson(agent, rx.port, { path: '/v1/jobs?limit=1' })).body.jobs[0];
    const deadline = Date.now() + 30_000;
    while ((await job()).status !== 'running') {
      if (Date.now() > deadline) throw new Error(`the job did not start: ${stderr}`);
      await sleep(50);
    }
    await sleep(2000);
    const busy0 = cpuMs(rx.pid);
    const t0 = Date.now();
    await sleep(window);
    const busyShare = (cpuMs(rx.pid) - busy0) / (Date.now() - t0);
    const code = await exited;
    const done = await job();
    const expected = seconds * 16 * Math.round(BYTES_PER_S / 16);

    report.figure('logs_receiver_idle_cpu_pct', idleShare * 100, '% of a core');
    report.figure('logs_forwarded_mib', done.log_size / 1024 / 1024, 'MiB');
    report.verify(
      'logs_complete',
      code === 0 && done.status === 'completed' && done.log_size === expected,
      `worker exit ${code}, job ${done.status}, log ${done.log_size} of ${expected} bytes`,
      `${done.log_size}/${expected} B`,
    );
    report.check('logs_receiver_cpu_pct_at_1mib_s', busyShare * 100, '<', 10, '% of a core');
  } finally {
    worker?.kill('SIGKILL');
    agent.destroy();
    await rx.close();
  }
}

module.exports = { logs };
