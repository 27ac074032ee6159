'use strict';

const { startBareServer } = require('./lib/bare-baseline');
const { sweepManifest } = require('./lib/fleet');
const { keepAliveAgent, percentile, requestJson } = require('./lib/http-load');
const { startReceiver } = require('./lib/receiver');

const PAGE = 100;
/** Jobs in the queue, the deepest page, timed requests per depth: in a full run, and under BENCH_QUICK. */
const SIZES = { full: { count: 50_000, depth: 400, perDepth: 50 }, quick: { count: 5000, depth: 40, perDepth: 20 } };

/**
 * GET /v1/jobs latency over 50,000 jobs, one client at a time as an operator
 * pages: the first page and deep pages alike (keyset cursors collected by
 * walking next_cursor). The baseline is a bare server re-serializing the same
 * first page.
 */
async function list(report, { quick }) {
  const { count, depth, perDepth } = quick ? SIZES.quick : SIZES.full;
  const depths = [1, Math.round(depth / 4), Math.round(depth / 2), Math.round((3 * depth) / 4), depth];
  report.note(`${count} jobs; pages of ${PAGE}; walk to page ${depth}, then ${perDepth} timed requests at pages ${depths.join(', ')}`);

  const startedAt = Date.now();
  const rx = await startReceiver('list', sweepManifest([{ model: 'bench', mode: 'list', count }]));
  report.figure('list_receiver_start_ms', Date.now() - startedAt, 'ms');
  const agent = keepAliveAgent(1);
  try {
    // The walk collects a cursor per page and warms the receiver.
    const cursors = [null];
    const seen = new Set();
    let firstPage;
    for (let page = 1; page <= depth; page++) {
      const cursor = cursors[page - 1];
      const res = await requestJson(agent, rx.port, { path: pagePath(cursor) });
      if (page === 1) firstPage = res.text;
      for (const job of res.body.jobs) seen.add(job.id);
      if (!res.body.next_cursor) throw new Error(`page ${page} has no next_cursor (${count} jobs, ${PAGE} a page)`);
      cursors.push(res.body.next_cursor);
    }
    report.verify(
      'list_walk',
      seen.size === depth * PAGE,
      `${depth} pages gave ${seen.size} distinct jobs (want ${depth * PAGE})`,
      `${seen.size} distinct`,
    );
    const warm = quick ? 200 : 1000;
    for (let i = 0; i < warm; i++) await requestJson(agent, rx.port, { path: pagePath(cursors[i % depth]) });

    const p50s = new Map();
    for (const page of depths) {
      const latencies = [];
      for (let i = 0; i < perDepth; i++) {
        latencies.push((await requestJson(agent, rx.port, { path: pagePath(cursors[page - 1]) })).ms);
      }
      p50s.set(page, percentile(latencies, 50));
    }

    const bare = await startBareServer();
    const bareAgent = keepAliveAgent(1);
    try {
      await requestJson(bareAgent, bare.port, { method: 'PUT', path: '/__page', raw: firstPage });
      for (let i = 0; i < warm; i++) await requestJson(bareAgent, bare.port, { path: '/v1/jobs' });
      const latencies = [];
      for (let i = 0; i < perDepth; i++) latencies.push((await requestJson(bareAgent, bare.port, { path: '/v1/jobs' })).ms);
      report.figure('list_baseline_p50_ms', percentile(latencies, 50), 'ms');
    } finally {
      bareAgent.destroy();
      await bare.close();
    }
    for (const [page, p50] of p50s) report.check(`list_page_${page}_p50_ms`, p50, '<', 20, 'ms');
  } finally {
    agent.destroy();
    await rx.close();
  }
}

const pagePath = (cursor) => `/v1/jobs?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;

module.exports = { list };
