'use strict';

const http = require('node:http');
const { launchChromium } = require('./lib/chromium');
const { sweepManifest } = require('./lib/fleet');
const { keepAliveAgent, percentile, requestJson } = require('./lib/http-load');
const { startReceiver } = require('./lib/receiver');

const SIZES = { full: { count: 50_000, loads: 10 }, quick: { count: 5000, loads: 4 } };
const FIRST_ROW = 'table.jobs tbody tr';

/** A bare server answering one static page: the same 100 rows as plain HTML. */
function startStaticPage(html) {
  return new Promise((resolve) => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(html);
    });
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) }));
  });
}

/**
 * Set in every page before its own scripts run: the moment (ms since the
 * navigation started, the page's own clock) the first job row is in the
 * document. Read in the page, not by polling it from outside, which would add
 * the poller's interval to every figure.
 */
function watchFirstRow(selector) {
  new MutationObserver((_changes, observer) => {
    if (!document.querySelector(selector)) return;
    window.__firstRowMs = performance.now();
    observer.disconnect();
  }).observe(document, { childList: true, subtree: true });
}

/** Milliseconds from navigation to the first job row, in a fresh page each time. */
async function timeFirstRows(context, url, loads) {
  const times = [];
  for (let i = 0; i < loads; i++) {
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForFunction(() => window.__firstRowMs !== undefined, null, { timeout: 30_000 });
    times.push(await page.evaluate(() => window.__firstRowMs));
    await page.close();
  }
  return times;
}

/**
 * `/dashboard/jobs` over 50,000 jobs in headless Chromium: from navigation
 * to the first rows on screen, the first load (nothing cached) and then
 * fresh pages. The same-run baseline is the same browser loading a static
 * page with the same 100 rows from a bare server.
 */
async function dashboard(report, { quick }) {
  const { count, loads } = quick ? SIZES.quick : SIZES.full;
  const browser = await launchChromium();
  if (!browser) {
    report.skip('dashboard', 'no Chromium at /usr/bin/chromium (apt-get install -y --no-install-recommends chromium fonts-liberation)');
    return;
  }
  report.note(`${count} jobs; ${loads} loads of /dashboard/jobs in fresh pages after a first, uncached one`);
  const rx = await startReceiver('dashboard', sweepManifest([{ model: 'bench', mode: 'dashboard', count }]));
  const agent = keepAliveAgent(1);
  try {
    const { jobs, counts } = (await requestJson(agent, rx.port, { path: '/v1/jobs?limit=100' })).body;
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    report.verify('dashboard_jobs', total === count, `${total} jobs in the queue (want ${count})`, `${total}`);

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(watchFirstRow, FIRST_ROW);
    const url = `http://127.0.0.1:${rx.port}/dashboard/jobs`;
    const [first] = await timeFirstRows(context, url, 1);
    const times = await timeFirstRows(context, url, loads);

    const rows = jobs.map((j) => `<tr><td>${j.id.slice(0, 10)}</td><td>${j.model}</td><td>${j.mode}</td><td>${j.status}</td></tr>`).join('');
    const bare = await startStaticPage(`<!doctype html><title>jobs</title><table class="jobs"><tbody>${rows}</tbody></table>`);
    let bareTimes;
    try {
      await timeFirstRows(context, bare.url, 1);
      bareTimes = await timeFirstRows(context, bare.url, loads);
    } finally {
      await bare.close();
    }
    await context.close();

    const p50 = percentile(times, 50);
    report.figure('dashboard_jobs_first_rows_p50_ms', p50, 'ms');
    report.figure('dashboard_baseline_static_rows_p50_ms', percentile(bareTimes, 50), 'ms');
    report.figure('dashboard_jobs_over_baseline', p50 / Math.max(1, percentile(bareTimes, 50)));
    report.check('dashboard_jobs_first_rows_uncached_ms', first, '<', 1000, 'ms');
    report.check('dashboard_jobs_first_rows_max_ms', Math.max(...times), '<', 1000, 'ms');
  } finally {
    agent.destroy();
    await browser.close();
    await rx.close();
  }
}

module.exports = { dashboard };
