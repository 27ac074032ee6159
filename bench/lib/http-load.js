'use strict';

const http = require('node:http');

/**
 * Load is driven with node:http on keep-alive sockets: `fetch` tops out far
 * below what the server can take on these machines and would measure itself.
 */
function keepAliveAgent(maxSockets) {
  return new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
}

/**
 * One request (`json` is serialized; `raw` is a JSON text sent as is); answers its status, body text and latency in ms (from the
 * call until the whole answer is read).
 */
function request(agent, port, { method = 'GET', path, json, raw, headers = {} }) {
  return new Promise((resolve, reject) => {
    const body = json === undefined ? raw : JSON.stringify(json);
    const started = process.hrtime.bigint();
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
          ...headers,
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            text: Buffer.concat(chunks).toString('utf8'),
            ms: Number(process.hrtime.bigint() - started) / 1e6,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Same as `request`, but the answer must have `expected` status; answers the parsed JSON too. */
async function requestJson(agent, port, options, expected = [200]) {
  const res = await request(agent, port, options);
  if (!expected.includes(res.status)) {
    throw new Error(`${options.method ?? 'GET'} ${options.path} answered ${res.status}: ${res.text.slice(0, 500)}`);
  }
  return { ...res, body: res.text ? JSON.parse(res.text) : undefined };
}

/**
 * `concurrency` loops, each awaiting `step(slot, i)` in turn, until `step`
 * answers false. `i` counts steps across all loops. Answers the elapsed ms.
 */
async function runLoops(concurrency, step) {
  let i = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, slot) => {
      for (;;) {
        const more = await step(slot, i++);
        if (more === false) return;
      }
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Nearest-rank percentile of unsorted samples. */
function percentile(samples, p) {
  if (samples.length === 0) return NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

module.exports = { keepAliveAgent, request, requestJson, runLoops, percentile };
