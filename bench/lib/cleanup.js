'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/**
 * Everything a bench run leaves behind — child processes and temp dirs — is
 * registered here, so that a failure, Ctrl-C or a crash still removes it.
 */
const children = new Set();
const dirs = new Set();

function trackChild(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** A fresh temp dir under the system temp dir, removed at exit if not before. */
function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cis490-bench-${prefix}-`));
  dirs.add(dir);
  return dir;
}

function removeDir(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
}

/** Synchronous, so it also runs from the 'exit' event. */
function cleanupNow() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  children.clear();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

let installed = false;
function installExitHandlers() {
  if (installed) return;
  installed = true;
  process.on('exit', cleanupNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}, cleaning up\n`);
      cleanupNow();
      process.exit(130);
    });
  }
}

module.exports = { trackChild, tempDir, removeDir, cleanupNow, installExitHandlers };
