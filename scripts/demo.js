#!/usr/bin/env node
'use strict';
/**
 * `npm run demo`: a whole fleet on this machine. Starts a receiver on SQLite in a
 * temporary data dir with etc/training_manifest.toml.example, one worker with the
 * example trainer, shows each job as it is claimed, runs and completes, then the
 * final `cis490-jobs status` and why the jobs left pending wait. The data dir,
 * with the trained bundles, is left on disk.
 */
const { spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { copyFileSync, mkdtempSync } = require('node:fs');
const { hostname, tmpdir } = require('node:os');
const { join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '..');
const BIN = (app) => join(ROOT, 'dist/apps', app, 'src/main.js');
const TIME_LIMIT_MS = 150_000;
const tty = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code) => (text) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text);
const [bold, dim, green, red, yellow] = [1, 2, 32, 31, 33].map(paint);

const dir = mkdtempSync(join(tmpdir(), 'cis490-demo-'));
const dataDir = join(dir, 'var');
const manifest = join(dir, 'training_manifest.toml');
const token = randomBytes(12).toString('hex');
const children = [];

function start(name, bin, args, env) {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.log = '';
  child.stdout.on('data', (d) => (child.log += d));
  child.stderr.on('data', (d) => (child.log += d));
  child.name = name;
  children.push(child);
  return child;
}

function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    child.once('exit', done);
    child.kill('SIGTERM');
  });
}

function fail(message, child) {
  process.stderr.write(`${red('demo failed:')} ${message}\n`);
  if (child?.log) process.stderr.write(`--- ${child.name} output ---\n${child.log.slice(-4000)}\n`);
  process.stderr.write(`data dir kept at ${dir}\n`);
  return Promise.all(children.map(stop)).then(() => process.exit(1));
}

/** The steps the progress shows, in order; completed, failed and cancelled are all the last one. */
const STEPS = ['pending', 'claimed', 'running', 'final'];
const stepOf = (status) => (STEPS.includes(status) ? STEPS.indexOf(status) : STEPS.length - 1);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function receiverUrl(receiver) {
  for (let i = 0; i < 300; i++) {
    const m = /listening on (https?:\/\/\S+)/.exec(receiver.log);
    if (m) return m[1];
    if (receiver.exitCode !== null) break;
    await sleep(100);
  }
  return fail('the receiver did not start', receiver);
}

async function getJson(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return res.json();
}

const label = (job) => `${job.id.slice(0, 10)} ${`${job.model}/${job.mode}`.padEnd(18)}`;

/** One line per job per change: claimed, running, completed with its metric, failed with its error. */
function describe(job) {
  const name = label(job);
  switch (job.status) {
    case 'claimed':
      return `${name} ${yellow('claimed')} by ${job.worker_id} (attempt ${job.attempts}/${job.max_attempts})`;
    case 'running':
      return `${name} ${yellow('running')}`;
    case 'completed': {
      const m = job.metrics ?? {};
      const acc = typeof m.test_accuracy === 'number' ? `test_accuracy ${m.test_accuracy.toFixed(3)}` : 'no metrics';
      return `${name} ${green('completed')} ${acc}, bundle ${job.artifact_sha256.slice(0, 12)}`;
    }
    case 'failed':
      return `${name} ${red('failed')}: ${job.error}`;
    default:
      return `${name} ${job.status}`;
  }
}

async function main() {
  copyFileSync(join(ROOT, 'etc/training_manifest.toml.example'), manifest);
  process.stdout.write(`${bold('cis490-fleet demo')} — data dir ${dir}\n`);

  const receiver = start('receiver', BIN('receiver'), [], {
    CIS490_PORT: '0',
    CIS490_DATA_DIR: dataDir,
    CIS490_MANIFEST: manifest,
    CIS490_OPERATOR_TOKEN: token,
    CIS490_HEARTBEAT_INTERVAL_S: '2',
    CIS490_LOG_LEVEL: 'warn',
  });
  const url = await receiverUrl(receiver);
  const { counts } = await getJson(`${url}/v1/jobs?limit=1`);
  process.stdout.write(`receiver on ${url} (Swagger UI at ${url}/docs), ${counts.pending} jobs pending\n`);
  process.stdout.write(`${bold('dashboard:')} ${url}/dashboard — open it to watch the jobs train, live\n`);

  // The demo's worker hides any GPU, so the demo shows the same thing on every machine:
  // CPU jobs train, CUDA jobs wait with their reason.
  const worker = start('worker', BIN('worker'), ['run'], {
    CIS490_RECEIVER_URL: url,
    CIS490_TRAINER_CMD: `"${process.execPath}" "${join(ROOT, 'examples/trainer/train.js')}"`,
    CIS490_WORK_DIR: join(dir, 'work'),
    CIS490_WORKER_ID: `demo-${hostname()}`,
    CIS490_POLL_S: '1',
    CIS490_CUDA: '0',
    // Slows the example trainer's progress points so each job trains for a few seconds: time to watch it.
    EXAMPLE_TRAINER_PACE_MS: '150',
  });
  process.stdout.write(`worker demo-${hostname()} started with examples/trainer (GPU hidden for the demo)\n\n`);

  const seen = new Map();
  const retried = new Map();
  const deadline = Date.now() + TIME_LIMIT_MS;
  for (;;) {
    if (worker.exitCode !== null) return fail(`the worker exited with ${worker.exitCode}`, worker);
    if (Date.now() > deadline) return fail('jobs did not finish in time', worker);
    const { jobs } = await getJson(`${url}/v1/jobs?limit=1000`);
    for (const job of jobs) {
      // A fast job may pass through claimed and running between two polls: show each step once.
      let shown = seen.get(job.id) ?? 0;
      if (job.status === 'pending' && job.error && job.attempts > (retried.get(job.id) ?? 0)) {
        // Back to pending after a failed attempt: a retry (SPEC §10); its steps show again.
        const when = job.not_before ? ` at ${job.not_before.slice(11, 19)}` : '';
        process.stdout.write(`${label(job)} ${yellow('retrying')}${when} after attempt ${job.attempts}: ${job.error.split('\n')[0]}\n`);
        retried.set(job.id, job.attempts);
        shown = 0;
      }
      const step = stepOf(job.status);
      for (let i = shown + 1; i <= step; i++) {
        process.stdout.write(`${describe({ ...job, status: STEPS[i] === 'final' ? job.status : STEPS[i] })}\n`);
      }
      seen.set(job.id, Math.max(shown, step));
    }
    const cpuJobs = jobs.filter((j) => !j.require_cuda);
    if (cpuJobs.every((j) => j.status === 'completed' || j.status === 'failed')) break;
    await sleep(250);
  }
  await stop(worker);

  process.stdout.write(`\n${bold('$ cis490-jobs status')}\n`);
  const status = spawnSync(process.execPath, [BIN('cli'), 'status'], {
    env: { ...process.env, CIS490_RECEIVER_URL: url, CIS490_OPERATOR_TOKEN: token },
    encoding: 'utf8',
  });
  process.stdout.write(status.stdout + status.stderr);

  const { jobs: pending } = await getJson(`${url}/v1/jobs?status=pending`);
  if (pending.length) process.stdout.write(`\n${bold('Still pending, and why:')}\n`);
  for (const job of pending) {
    const detail = await getJson(`${url}/v1/job/${job.id}`);
    process.stdout.write(`  ${job.id.slice(0, 10)} ${job.model}/${job.mode}: ${detail.pending_reason}\n`);
  }
  const { models } = await getJson(`${url}/v1/models`);
  await stop(receiver);

  process.stdout.write(`\n${bold('Done.')} Data dir: ${dir}\n`);
  process.stdout.write(`  ${dim('bundles:')}  ${join(dataDir, 'models')}/<model>_<mode>/<sha256>/bundle.tar.zst (index: models/index.jsonl)\n`);
  process.stdout.write(`  ${dim('queue:')}    ${join(dataDir, 'training_jobs.db')}\n`);
  if (models.length) {
    const first = models[0];
    process.stdout.write(`  ${dim('look:')}     tar -I zstd -tvf ${join(dataDir, 'models', `${first.model}_${first.mode}`, first.sha256, 'bundle.tar.zst')}\n`);
  }
  process.stdout.write(
    `  ${dim('again:')}    CIS490_DATA_DIR=${dataDir} CIS490_MANIFEST=${manifest} CIS490_OPERATOR_TOKEN=${token} npx cis490-trainer-receiver\n` +
      `            ${dim('then open http://127.0.0.1:8471/dashboard for the logs, progress and leaderboard of this run')}\n`,
  );
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => Promise.all(children.map(stop)).then(() => process.exit(130)));
}
main().catch((error) => fail(error.message));
