'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { startBareServer } = require('./lib/bare-baseline');
const { claimBody, sweepManifest, workerIds } = require('./lib/fleet');
const { keepAliveAgent, requestJson, runLoops } = require('./lib/http-load');
const { LoadGenerator, rawRequest } = require('./lib/load-generator');
const { freshDatabase, unreachable } = require('./lib/postgres');
const { cpuMs } = require('./lib/proc-stats');
const { startReceiver } = require('./lib/receiver');

const CONNECTIONS = 32;
/** The timed phase alternates claims, the bare server and health this many times, so a slow spell hits all three. */
const ROUNDS = 3;
/** The bare server must answer at least this many times faster than the receiver's health, or the client is what is measured. */
const HEADROOM = 2;

/**
 * Claims per second — each one a write: the job claimed, its event, the
 * worker's sighting — with 32 workers draining the same queue, on one
 * receiver on SQLite, one on PostgreSQL and two sharing one PostgreSQL
 * database (the load split over both). Each against two baselines taken by
 * the same client: a bare node:http server parsing the same body (what any
 * JSON API costs), alternating with the claims in rounds so a slow spell
 * hits both; and the receiver's own `/v1/health` on an empty queue (what the
 * framework costs before any claim work; a health that counted thousands of
 * jobs would flatter the claims), alternating with the bare server too.
 *
 * The client is a load generator of its own (load-process.js), and the bench
 * checks that it is not the bottleneck: the bare server must answer at least
 * twice as fast as the receiver's health. Every variant also checks that no
 * job went to two workers: from the answers, each receiver's listing, and
 * the claim events in the database.
 */
async function claims(report, { quick }) {
  const jobs = quick ? 600 : 9000;
  const warm = quick ? 300 : 2000;
  report.note(
    `${jobs} jobs, ${CONNECTIONS} concurrent claimers (keep-alive connections), ${warm} warm-up requests of each kind, ${ROUNDS} rounds alternating claims, bare server, health`,
  );
  const gen = LoadGenerator.start();
  const bare = await startBareServer();
  const sizes = { jobs, warm };
  const figures = {};
  try {
    const body = rawRequest({ method: 'POST', path: '/v1/job/claim', json: claimBody('bench-worker-00') });
    await gen.run({ connections: Array.from({ length: CONNECTIONS }, () => ({ port: bare.port, request: body })), total: warm });

    figures.sqlite = await variant(report, gen, bare, { key: 'sqlite', receivers: 1 }, sizes);
    const down = await unreachable();
    if (down) {
      report.skip('claims postgres', down);
    } else {
      figures.postgres = await variant(report, gen, bare, { key: 'postgres', receivers: 1, postgres: true }, sizes);
      figures.postgres_x2 = await variant(report, gen, bare, { key: 'postgres_x2', receivers: 2, postgres: true }, sizes);
    }
  } finally {
    await gen.close();
    await bare.close();
  }

  if (figures.sqlite && figures.postgres) {
    // Each variant against its own same-time bare baseline, so a machine slower in one variant's minutes does not count.
    report.figure('claims_postgres_vs_sqlite_raw', figures.postgres.perS / figures.sqlite.perS, '(claims/s over claims/s)');
    report.check('claims_postgres_vs_sqlite', figures.postgres.ratio / figures.sqlite.ratio, '>=', 0.5);
  }
  if (figures.postgres && figures.postgres_x2) {
    report.figure('claims_postgres_x2_vs_one_raw', figures.postgres_x2.perS / figures.postgres.perS, '(claims/s over claims/s)');
    report.check('claims_postgres_x2_vs_one', figures.postgres_x2.ratio / figures.postgres.ratio, '>=', 0.9);
  }
}

/** One variant: its receivers started, measured, checked and stopped; answers its claims/s and ratio. */
async function variant(report, gen, bare, { key, receivers: count, postgres = false }, { jobs, warm }) {
  const name = `claims_${key}`;
  const db = postgres ? await freshDatabase(key) : null;
  const env = db ? { CIS490_DATABASE_URL: db.url } : {};
  const rxs = [];
  const agent = keepAliveAgent(CONNECTIONS);
  try {
    // One after the other: the second starts on a database the first has migrated.
    for (let i = 0; i < count; i++) rxs.push(await startReceiver(`${name}-${i}`, '# the bench writes the jobs, then reloads\n', env));
    report.note(`${name}: ${count} receiver${count > 1 ? 's' : ''} on ${postgres ? 'PostgreSQL' : 'SQLite'}`);
    const workers = workerIds(CONNECTIONS);
    // Connection i is worker i, on receiver i mod count.
    const each = (request) => workers.map((w, i) => ({ port: rxs[i % count].port, request: request(w) }));
    const claimConns = each((w) => rawRequest({ method: 'POST', path: '/v1/job/claim', json: claimBody(w) }));
    const healthConns = each(() => rawRequest({ path: '/v1/health' }));
    const bareConns = workers.map((w) => ({ port: bare.port, request: rawRequest({ method: 'POST', path: '/v1/job/claim', json: claimBody(w) }) }));

    // On an empty queue: health against the bare server in alternating rounds (a health that counts
    // thousands of jobs would flatter the claims); then idle claims (204), a figure for reference.
    const share = Math.round(jobs / ROUNDS);
    const bareAtHealth = side();
    const health = side();
    await gen.run({ connections: healthConns, total: warm });
    for (let round = 1; round <= ROUNDS; round++) {
      health.add(await gen.run({ connections: healthConns, total: share }));
      bareAtHealth.add(await gen.run({ connections: bareConns, total: share }));
    }
    await gen.run({ connections: claimConns, total: warm, expect: [204] });
    const idle = await gen.run({ connections: claimConns, total: share, expect: [204] });

    // The jobs: a warm-up sweep first in claim order (priority 1), claimed and cancelled before the timed phase.
    fs.writeFileSync(
      rxs[0].manifestPath,
      sweepManifest([
        { model: 'warmup', mode: 'bench', count: warm, priority: 1 },
        { model: 'bench', mode: 'claims', count: jobs },
      ]),
    );
    const reload = await requestJson(agent, rxs[0].port, {
      method: 'POST',
      path: '/v1/manifest/reload',
      headers: { 'x-operator-token': rxs[0].operatorToken },
    });
    if (reload.body.added !== warm + jobs) throw new Error(`the reload added ${reload.body.added} jobs, not ${warm + jobs}`);
    const warmRun = await gen.run({ connections: claimConns, total: warm, keep: 200 });
    const warmIds = warmRun.kept.map(([, text]) => JSON.parse(text).job.id);
    await runLoops(CONNECTIONS, async (slot, i) => {
      if (i >= warmIds.length) return false;
      const rx = rxs[slot % count];
      await requestJson(agent, rx.port, {
        method: 'POST',
        path: `/v1/job/${warmIds[i]}/cancel`,
        headers: { 'x-operator-token': rx.operatorToken },
      });
    });

    // Timed: a round's share of claims, then as many requests to the bare server; the last round claims until 204.
    const claimed = side();
    const bareAtClaims = side();
    const answered = [];
    const cpu0 = rxs.map((rx) => cpuMs(rx.pid));
    // The database's own work, where its server runs here: the backends serving this database.
    const backends = db ? await serverProcesses(db) : [];
    const dbCpu0 = backends.map(cpuMs);
    for (let round = 1; round <= ROUNDS; round++) {
      const last = round === ROUNDS;
      const run = await gen.run(
        last
          ? { connections: claimConns, stopOn: 204, expect: [200, 204], keep: 200 }
          : { connections: claimConns, total: share, keep: 200 },
      );
      answered.push(...run.kept);
      claimed.add(run, run.kept.length);
      bareAtClaims.add(await gen.run({ connections: bareConns, total: run.sent }));
    }
    const rxCpuMs = rxs.reduce((sum, rx, i) => sum + cpuMs(rx.pid) - cpu0[i], 0);
    const dbCpuMs = backends.reduce((sum, pid, i) => sum + cpuMs(pid) - dbCpu0[i], 0);

    const perS = claimed.perS();
    const barePerS = bareAtClaims.perS();
    const healthPerS = health.perS();
    report.figure(`${name}_per_s`, perS, 'claims/s');
    report.figure(`${name}_bare_per_s`, barePerS, 'req/s (alternating with the claims)');
    report.figure(`${name}_health_per_s`, healthPerS, 'req/s (on an empty queue)');
    report.figure(`${name}_health_bare_per_s`, bareAtHealth.perS(), 'req/s (alternating with health)');
    report.figure(`${name}_idle_per_s`, (idle.sent / idle.ms) * 1000, 'req/s (claims answered 204, for reference)');
    report.check(`${name}_client_headroom`, bareAtHealth.perS() / healthPerS, '>=', HEADROOM);
    report.check(`${name}_ratio`, perS / barePerS, '>=', 0.25);
    report.check(`${name}_health_ratio`, perS / healthPerS, '>=', 0.5);
    report.figure(`${name}_receiver_cpu_ms_per_claim`, rxCpuMs / claimed.requests, `ms${count > 1 ? ' (both receivers)' : ''}`);
    if (backends.length > 0) report.figure(`${name}_postgres_cpu_ms_per_claim`, dbCpuMs / claimed.requests, 'ms (its backends)');
    const client = { cpuMs: bareAtClaims.cpuMs + bareAtHealth.cpuMs, requests: bareAtClaims.requests + bareAtHealth.requests };
    report.figure(`${name}_client_cpu_ms_per_req`, client.cpuMs / client.requests, 'ms (the load generator, against the bare server)');

    await verifyClaims(report, name, { answered, workers, jobs, rxs, agent, db, warm });
    return { perS, ratio: perS / barePerS };
  } finally {
    agent.destroy();
    await Promise.all(rxs.map((rx) => rx.close()));
    if (db) await db.drop();
  }
}

/** Pids of the server processes serving `db`, when they run on this host (CPU time is read from /proc). */
async function serverProcesses(db) {
  const rows = await db.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
  return rows.map((r) => r.pid).filter((pid) => {
    try {
      cpuMs(pid);
      return true;
    } catch {
      return false;
    }
  });
}

/** Requests and time summed over rounds. */
function side() {
  return {
    ms: 0,
    requests: 0,
    cpuMs: 0,
    add(run, requests = run.sent) {
      this.ms += run.ms;
      this.requests += requests;
      this.cpuMs += run.cpuMs;
    },
    perS() {
      return (this.requests / this.ms) * 1000;
    },
  };
}

/**
 * No job went to two workers: the answers name `jobs` distinct bench jobs,
 * each claimed by the worker it was answered to; the receivers list exactly
 * those as claimed; and the database holds one claim event per job, by that
 * worker.
 */
async function verifyClaims(report, name, { answered, workers, jobs, rxs, agent, db, warm }) {
  const holder = new Map();
  let misplaced = 0;
  for (const [slot, text] of answered) {
    const { job } = JSON.parse(text);
    if (job.model !== 'bench' || job.worker_id !== workers[slot] || holder.has(job.id)) misplaced++;
    holder.set(job.id, workers[slot]);
  }
  report.verify(
    `${name}_unique`,
    answered.length === jobs && holder.size === jobs && misplaced === 0,
    `${answered.length} claims answered, ${holder.size} distinct jobs, ${misplaced} twice, outside the sweep or to another worker (want ${jobs}, ${jobs}, 0)`,
    `${holder.size}/${answered.length} distinct`,
  );

  const views = [];
  for (const rx of rxs) views.push(await listIds(agent, rx.port, 'claimed'));
  const sameSet = views.every((v) => v.ids.length === holder.size && v.ids.every((id) => holder.has(id)));
  const countsOk = views.every((v) => v.counts.claimed === jobs && v.counts.pending === 0);
  report.verify(
    `${name}_counts`,
    sameSet && countsOk,
    `GET /v1/jobs on ${rxs.length === 1 ? 'the receiver' : 'each receiver'}: claimed ${views.map((v) => v.counts.claimed).join(' / ')}, pending ${views.map((v) => v.counts.pending).join(' / ')}, listed ids ${sameSet ? '=' : '!='} answered ids`,
    `claimed ${views[0].counts.claimed}`,
  );

  const events = await claimEvents(db, rxs[0]);
  const byJob = new Map();
  for (const e of events) byJob.set(e.job_id, [...(byJob.get(e.job_id) ?? []), e.worker_id]);
  const wrong = [...holder].filter(([id, worker]) => byJob.get(id)?.length !== 1 || byJob.get(id)[0] !== worker).length;
  report.verify(
    `${name}_events`,
    wrong === 0 && events.length === jobs + warm,
    `${events.length} claim events (want ${jobs + warm} with the warm-up), ${wrong} bench jobs without exactly one, by the worker answered`,
    `${wrong} wrong`,
  );
}

/** Every `pending → claimed` event, read from the database itself. */
async function claimEvents(db, rx) {
  const sql = `SELECT job_id, worker_id FROM job_events WHERE from_status = 'pending' AND to_status = 'claimed'`;
  if (db) return db.query(sql);
  const Database = require('better-sqlite3');
  const file = fs.readdirSync(rx.dataDir).find((f) => f.endsWith('.db'));
  const conn = new Database(path.join(rx.dataDir, file), { readonly: true });
  try {
    return conn.prepare(sql).all();
  } finally {
    conn.close();
  }
}

/** Every job id with `status`, following next_cursor; plus the counts. */
async function listIds(agent, port, status) {
  const ids = [];
  let cursor = null;
  let counts;
  do {
    const q = `status=${status}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = (await requestJson(agent, port, { path: `/v1/jobs?${q}` })).body;
    for (const job of page.jobs) ids.push(job.id);
    counts = page.counts;
    cursor = page.next_cursor;
  } while (cursor);
  return { ids, counts };
}

module.exports = { claims, listIds };
