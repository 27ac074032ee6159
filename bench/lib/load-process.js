'use strict';

/**
 * The load generator's own process (see load-generator.js): keep-alive
 * connections written to with raw `net` sockets, one request in flight on
 * each, answers read with the least parsing HTTP/1.1 allows (status line and
 * Content-Length). node:http's client costs several times the CPU per request
 * and, on two cores shared with the server, became the bottleneck it was
 * meant to measure.
 *
 * Messages from the parent: `{ id, spec }`; answers `{ id, result }` or
 * `{ id, error }`. A spec:
 *   connections: [{ port, request }]   one socket each; `request` is the whole
 *                                     request text, sent again after each answer
 *   total?: number                    stop sending once this many were sent (all sockets)
 *   stopOn?: number                   a socket stops at its first answer with this status
 *   expect: number[]                  any other status fails the run
 *   keep?: number                     keep the bodies of answers with this status
 */
const net = require('node:net');

const HEAD_END = Buffer.from('\r\n\r\n');

function run(spec) {
  return new Promise((resolve, reject) => {
    const sockets = [];
    const statuses = {};
    const kept = [];
    let sent = 0;
    let open = spec.connections.length;
    let connected = 0;
    let started = 0n;
    let cpu0 = null;
    let failed = false;

    const fail = (err) => {
      if (failed) return;
      failed = true;
      for (const s of sockets) s.destroy();
      reject(err);
    };
    const finish = () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const cpu = process.cpuUsage(cpu0);
      resolve({ ms, sent, statuses, kept, cpuMs: (cpu.user + cpu.system) / 1000 });
    };
    const mayContinue = () => sent < (spec.total ?? Infinity);

    spec.connections.forEach(({ port, request }, slot) => {
      const bytes = Buffer.from(request, 'utf8');
      const socket = net.connect(port, '127.0.0.1');
      sockets.push(socket);
      socket.setNoDelay(true);
      let pending = null;
      let need = -1;
      let bodyStart = 0;
      let status = 0;
      let done = false;
      const send = () => {
        sent++;
        socket.write(bytes);
      };
      const stop = () => {
        done = true;
        socket.end();
        if (--open === 0) finish();
      };
      socket.on('connect', () => {
        // Time from the moment every socket is open, so connecting is not measured.
        if (++connected < spec.connections.length) return;
        started = process.hrtime.bigint();
        cpu0 = process.cpuUsage();
        for (const s of sockets) s.emit('go');
      });
      socket.once('go', () => (mayContinue() ? send() : stop()));
      socket.on('data', (chunk) => {
        pending = pending ? Buffer.concat([pending, chunk]) : chunk;
        while (pending) {
          if (need < 0) {
            const end = pending.indexOf(HEAD_END);
            if (end < 0) return;
            const head = pending.toString('latin1', 0, end);
            status = Number(head.slice(9, 12));
            if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) return fail(new Error('a chunked answer: the load generator reads Content-Length only'));
            const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
            bodyStart = end + 4;
            need = bodyStart + (length ? Number(length[1]) : 0);
          }
          if (pending.length < need) return;
          const body = pending.subarray(bodyStart, need);
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (!spec.expect.includes(status)) {
            return fail(new Error(`answered ${status} (expected ${spec.expect.join(' or ')}): ${body.toString('utf8').slice(0, 300)}`));
          }
          if (status === spec.keep) kept.push([slot, body.toString('utf8')]);
          pending = pending.length === need ? null : pending.subarray(need);
          need = -1;
          if (status === spec.stopOn || !mayContinue()) return stop();
          send();
        }
      });
      socket.on('error', fail);
      socket.on('close', () => {
        if (!done) fail(new Error(`the server on port ${port} closed a connection`));
      });
    });
  });
}

process.on('message', ({ id, spec }) => {
  run(spec).then(
    (result) => process.send({ id, result }),
    (err) => process.send({ id, error: err.message }),
  );
});
