'use strict';

/**
 * A Server-Sent Events client in a process of its own, so its clock readings
 * do not wait behind the load generator's event loop:
 *
 *   node sse-probe.js URL
 *
 * For each `job` message it records how long after the job's `updated_at`
 * (stamped by the receiver when the transition committed) the message
 * arrived. Prints "ready" once connected; on SIGTERM prints the samples as
 * one JSON line and exits.
 */
const http = require('node:http');

const samples = [];
let pending = '';
const req = http.get(process.argv[2], (res) => {
  if (res.statusCode !== 200) {
    process.stderr.write(`sse-probe: ${res.statusCode}\n`);
    process.exit(1);
  }
  process.stdout.write('ready\n');
  res.setEncoding('utf8');
  res.on('data', (chunk) => {
    const now = Date.now();
    pending += chunk;
    let end;
    while ((end = pending.indexOf('\n\n')) >= 0) {
      const block = pending.slice(0, end);
      pending = pending.slice(end + 2);
      if (!block.includes('\nevent: job\n') && !block.startsWith('event: job\n')) continue;
      const data = /^data: (.*)$/m.exec(block);
      if (data) samples.push(now - Date.parse(JSON.parse(data[1]).updated_at));
    }
  });
});
req.on('error', (err) => {
  process.stderr.write(`sse-probe: ${err.message}\n`);
  process.exit(1);
});
process.on('SIGTERM', () => {
  process.stdout.write(`${JSON.stringify(samples)}\n`);
  process.exit(0);
});
