'use strict';

const { spawn } = require('node:child_process');
const { trackChild } = require('./cleanup');

/** Runs a command to completion; answers its stdout and wall time in ms. Rejects on a non-zero exit. */
function timeCommand(file, args, options = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = trackChild(spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options }));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code === 0) resolve({ stdout, ms });
      else reject(new Error(`${file} ${args.join(' ')} exited with ${code ?? signal}: ${stderr.trim()}`));
    });
  });
}

module.exports = { timeCommand };
