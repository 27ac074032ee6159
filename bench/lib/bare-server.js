'use strict';

/**
 * The baseline: a bare node:http server doing the least a JSON API must do —
 * read the body, parse it, answer a small JSON (or re-serialize a canned
 * page for GETs). Run as its own process so it never shares an event loop
 * with the load generator, exactly like the receiver.
 */
const http = require('node:http');

let page = '{"jobs":[]}';

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    let answer;
    if (req.method === 'PUT' && req.url === '/__page') {
      page = text;
      answer = '{}';
    } else if (req.method === 'GET') {
      answer = JSON.stringify(JSON.parse(page));
    } else {
      const body = text ? JSON.parse(text) : {};
      answer = JSON.stringify({
        job: { id: req.url, worker_id: body.worker_id ?? null, status: 'claimed' },
        heartbeat_interval_s: 30,
        stale_after_s: 600,
      });
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
    res.end(answer);
  });
});
server.keepAliveTimeout = 120_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});

