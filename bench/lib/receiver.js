'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { trackChild, tempDir, removeDir } = require('./cleanup');

const ROOT = path.resolve(__dirname, '../..');
const RECEIVER_MAIN = process.env.BENCH_RECEIVER_MAIN
  ? path.resolve(process.env.BENCH_RECEIVER_MAIN)
  : path.join(ROOT, 'dist/apps/receiver/src/main.js');
const OPERATOR_TOKEN = 'bench-operator-token';

/**
 * A built receiver in its own process, on a fresh data dir and a free port,
 * as an operator runs it. `BENCH_CPU_PROF=<dir>` starts it under
 * `--cpu-prof` (the profile is written when it exits);
 * `BENCH_RECEIVER_NODE_OPTIONS` becomes its NODE_OPTIONS (e.g. a `--require`
 * to try a change before making it); `BENCH_RECEIVER_MAIN` runs another
 * build's receiver (to measure before and after a change).
 */
async function startReceiver(name, manifest, env = {}) {
  if (!fs.existsSync(RECEIVER_MAIN)) throw new Error(`${RECEIVER_MAIN} is missing: run npm run build`);
  const dir = tempDir(name);
  const manifestPath = path.join(dir, 'training_manifest.toml');
  fs.writeFileSync(manifestPath, manifest);
  const nodeArgs = [];
  if (process.env.BENCH_CPU_PROF) {
    fs.mkdirSync(process.env.BENCH_CPU_PROF, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}`, `--cpu-prof-name=${name}.cpuprofile`);
  }
  const child = trackChild(
    spawn(process.execPath, [...nodeArgs, RECEIVER_MAIN], {
      env: {
        PATH: process.env.PATH,
        TZ: 'UTC',
        CIS490_PORT: '0',
        CIS490_DATA_DIR: path.join(dir, 'var'),
        CIS490_MANIFEST: manifestPath,
        CIS490_OPERATOR_TOKEN: OPERATOR_TOKEN,
        CIS490_LOG_LEVEL: 'warn',
        ...(process.env.BENCH_RECEIVER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_RECEIVER_NODE_OPTIONS } : {}),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`receiver did not start within 60 s:\n${log}`)), 60_000);
    const onData = () => {
      const m = /listening on https?:\/\/[^:\s]+:(\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(Number(m[1]));
      }
    };
    const onExit = (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`receiver exited (${code ?? signal}) before listening:\n${log}`));
    };
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });

  return {
    port,
    pid: child.pid,
    dir,
    dataDir: path.join(dir, 'var'),
    manifestPath,
    operatorToken: OPERATOR_TOKEN,
    output: () => log,
    /** SIGTERM and wait; SIGKILL if it does not go within 10 s. Removes its dir. */
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      removeDir(dir);
    },
  };
}

module.exports = { startReceiver, ROOT, OPERATOR_TOKEN };
