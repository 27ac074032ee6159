'use strict';

const { fork } = require('node:child_process');
const path = require('node:path');
const { trackChild } = require('./cleanup');

/**
 * A load generator in a process of its own (load-process.js), so that the
 * bench's bookkeeping never shares an event loop with the sockets, and its
 * CPU time is its own to report. One process serves a whole bench: it is
 * warmed once, like the servers it measures.
 */
class LoadGenerator {
  constructor(child) {
    this.child = child;
    this.pid = child.pid;
    this.next = 0;
    this.waiting = new Map();
    child.on('message', ({ id, result, error }) => {
      const call = this.waiting.get(id);
      this.waiting.delete(id);
      if (error === undefined) call.resolve(result);
      else call.reject(new Error(error));
    });
    child.once('exit', (code, signal) => {
      for (const call of this.waiting.values()) call.reject(new Error(`the load generator exited (${code ?? signal})`));
      this.waiting.clear();
    });
  }

  static start() {
    return new LoadGenerator(trackChild(fork(path.join(__dirname, 'load-process.js'), [], { stdio: 'inherit' })));
  }

  /**
   * One timed run (see load-process.js for the spec). Answers `{ ms, sent,
   * statuses, kept: [[slot, body]], cpuMs }`: `ms` from the moment every
   * connection is open until the last answer is read.
   */
  run(spec) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ id, spec: { expect: [200], ...spec } });
    });
  }

  async close() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}

/** The text of one HTTP/1.1 request on a keep-alive connection; `json` becomes its body. */
function rawRequest({ method = 'GET', path: target, json, headers = {} }) {
  const body = json === undefined ? '' : JSON.stringify(json);
  const lines = [`${method} ${target} HTTP/1.1`, 'host: 127.0.0.1'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (json !== undefined) lines.push('content-type: application/json', `content-length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

module.exports = { LoadGenerator, rawRequest };
