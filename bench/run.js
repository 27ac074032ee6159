'use strict';

/**
 * `npm run bench`: the receiver and the bundle packer measured against
 * baselines taken in the same run on the same machine.
 *
 *   node bench/run.js [claims] [heartbeat] [reload] [list] [upload] [pack] [events] [logs] [dashboard] [dispatch]
 *
 * BENCH_QUICK=1 runs smaller sizes (for trying the bench, not for figures).
 * BENCH_CPU_PROF=DIR starts each receiver under --cpu-prof, writing to DIR.
 * BENCH_RECEIVER_MAIN=FILE runs another build's receiver (before/after a change).
 * CIS490_BENCH_DATABASE_URL: the PostgreSQL server the claims bench makes its databases on.
 * Exits 1 when a target is missed or a bench fails, 2 on a usage error.
 */
const { cleanupNow, installExitHandlers } = require('./lib/cleanup');
const { Report } = require('./lib/report');

const BENCHES = {
  claims: ['claims/s with 32 concurrent workers: SQLite, PostgreSQL, two receivers on PostgreSQL', () => require('./claims.bench').claims],
  heartbeat: ['heartbeat latency with 200 running jobs', () => require('./heartbeat.bench').heartbeat],
  reload: ['manifest reload of 10,000 jobs', () => require('./reload.bench').reload],
  list: ['GET /v1/jobs pages over 50,000 jobs', () => require('./list.bench').list],
  upload: ['1 GiB bundle upload', () => require('./upload.bench').upload],
  pack: ['packing 1 GiB of trainer output', () => require('./pack.bench').pack],
  events: ['SSE event latency under 32 claimers', () => require('./events.bench').events],
  logs: ['a worker forwarding a trainer log at 1 MiB/s', () => require('./logs.bench').logs],
  dashboard: ['/dashboard/jobs over 50,000 jobs in Chromium', () => require('./dashboard.bench').dashboard],
  dispatch: ['a new job to an idle worker; 1,000 held claims', () => require('./dispatch.bench').dispatch],
};

async function main(argv) {
  const unknown = argv.filter((name) => !(name in BENCHES));
  if (unknown.length) {
    process.stderr.write(`bench: unknown bench ${unknown.join(', ')}; choose from ${Object.keys(BENCHES).join(', ')}\n`);
    return 2;
  }
  installExitHandlers();
  const selected = argv.length ? Object.keys(BENCHES).filter((n) => argv.includes(n)) : Object.keys(BENCHES);
  const quick = Boolean(process.env.BENCH_QUICK && process.env.BENCH_QUICK !== '0');
  const report = new Report();
  report.line(`cis490-fleet bench${quick ? ' (BENCH_QUICK: small sizes, figures not representative)' : ''}`);
  report.line(`node ${process.version}, ${require('node:os').cpus().length} cores, benches: ${selected.join(' ')}`);
  const started = Date.now();
  for (const name of selected) {
    const [title, load] = BENCHES[name];
    report.section(name, title);
    const t0 = Date.now();
    try {
      await load()(report, { quick });
    } catch (err) {
      report.error(name, err);
    }
    report.note(`(${name} took ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
  report.summary();
  report.line(`total ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return report.failed ? 1 : 0;
}

main(process.argv.slice(2))
  .then((code) => {
    cleanupNow();
    process.exit(code);
  })
  .catch((err) => {
    process.stderr.write(`bench: ${err.stack ?? err}\n`);
    cleanupNow();
    process.exit(2);
  });
