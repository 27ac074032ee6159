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
/** Each timed phase goes round the variants and the bare server this many times, so a slow spell hits them all. */
const ROUNDS = 3;
/** The bare server must answer at least this many times faster than the receiver's health, or the client is what is measured. */
const HEADROOM = 2;

/**
 * Claims per second — each one a write: the job claimed, its event, the
 * worker's sighting — with 32 workers draining a queue, on one receiver on
 * SQLite, one on PostgreSQL and two sharing one PostgreSQL database (the
 * connections split over both), all with the same jobs. Two baselines come
 * from the same client: a bare node:http server parsing the same body (what
 * any JSON API costs), and each receiver's own `/v1/health` on an empty queue
 * (what the framework costs before any claim work; a health that counted
 * thousands of jobs would flatter the claims).
 *
 * The variants run side by side and take turns: each round gives every
 * variant its share, then the bare server as many requests, in a rotating
 * order, so a slow spell of the machine lands on all of them and the
 * variants compare with each other as fairly as with the baseline.
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
  const share = Math.round(jobs / ROUNDS);
  report.note(
    `${jobs} jobs per variant, ${CONNECTIONS} concurrent claimers (keep-alive connections), ${warm} warm-up requests of each kind, ${ROUNDS} rounds taking turns with the bare server`,
  );
  const kinds = [{ key: 'sqlite', receivers: 1 }];
  const down = await unreachable();
  if (down) report.skip('claims postgres', down);
  else kinds.push({ key: 'postgres', receivers: 1, postgres: true }, { key: 'postgres_x2', receivers: 2, postgres: true });

  const gen = LoadGenerator.start();
  const bare = await startBareServer();
  const variants = [];
  try {
    for (const kind of kinds) variants.push(await startVariant(kind));
    report.note(variants.map((v) => `${v.name}: ${v.rxs.length} receiver${v.rxs.length > 1 ? 's' : ''}`).join(', '));
    const bareConns = workerIds(CONNECTIONS).map((w) => ({
      port: bare.port,
      request: rawRequest({ method: 'POST', path: '/v1/job/claim', json: claimBody(w) }),
    }));
    await gen.run({ connections: bareConns, total: warm });

    // On empty queues: health, then idle claims (204, for reference).
    const bareAtHealth = side();
    for (const v of variants) await gen.run({ connections: v.healthConns, total: warm });
    for (let round = 0; round < ROUNDS; round++) {
      for (const v of rotate(variants, round)) v.health.add(await gen.run({ connections: v.healthConns, total: share }));
      bareAtHealth.add(await gen.run({ connections: bareConns, total: share }));
    }
    for (const v of variants) {
      await gen.run({ connections: v.claimConns, total: warm, expect: [204] });
      v.idle = await gen.run({ connections: v.claimConns, total: share, expect: [204] });
    }

    for (const v of variants) await loadJobs(gen, v, { jobs, warm });

    // Timed: each variant claims its share in turn, then the bare server takes as many; the last round claims until 204.
    const bareAtClaims = side();
    for (let round = 0; round < ROUNDS; round++) {
      const last = round === ROUNDS - 1;
      for (const v of rotate(variants, round)) {
        const before = await v.cpu();
        const run = await gen.run(
          last
            ? { connections: v.claimConns, stopOn: 204, expect: [200, 204], keep: 200 }
            : { connections: v.claimConns, total: share, keep: 200 },
        );
        const after = await v.cpu();
        v.answered.push(...run.kept);
        v.claims.add(run, run.kept.length);
        // A server process that came during the run spent all its time in it; one that went is lost (rare).
        for (const part of ['receivers', 'database']) {
          for (const [pid, ms] of after[part]) v.cpuMs[part] += ms - (before[part].get(pid) ?? 0);
        }
      }
      bareAtClaims.add(await gen.run({ connections: bareConns, total: share }));
    }

    report.figure('claims_bare_per_s', bareAtClaims.perS(), 'req/s (the bare server, taking turns with the claims)');
    report.figure('claims_health_bare_per_s', bareAtHealth.perS(), 'req/s (the bare server, taking turns with health)');
    const client = { cpuMs: bareAtClaims.cpuMs + bareAtHealth.cpuMs, requests: bareAtClaims.requests + bareAtHealth.requests };
    report.figure('claims_client_cpu_ms_per_req', client.cpuMs / client.requests, 'ms (the load generator, against the bare server)');
    for (const v of variants) {
      figures(report, v, { bare: bareAtClaims.perS(), healthBare: bareAtHealth.perS() });
      await verifyClaims(report, v, { jobs, warm });
    }
    const [sqlite, postgres, x2] = variants;
    if (postgres) {
      report.check('claims_postgres_vs_sqlite', postgres.claims.perS() / sqlite.claims.perS(), '>=', 0.5);
      report.check('claims_postgres_x2_vs_one', x2.claims.perS() / postgres.claims.perS(), '>=', 0.9);
    }
  } finally {
    await gen.close();
    await bare.close();
    for (const v of variants) await v.close();
  }
}

/** A variant's receivers (on a fresh database for PostgreSQL), with its connections: connection i is worker i, on receiver i mod n. */
async function startVariant({ key, receivers: count, postgres = false }) {
  const name = `claims_${key}`;
  const db = postgres ? await freshDatabase(key) : null;
  const env = db ? { CIS490_DATABASE_URL: db.url } : {};
  const rxs = [];
  const agent = keepAliveAgent(CONNECTIONS);
  const close = async () => {
    agent.destroy();
    await Promise.all(rxs.map((rx) => rx.close()));
    if (db) await db.drop();
  };
  try {
    // One after the other: the second starts on a database the first has migrated.
    for (let i = 0; i < count; i++) rxs.push(await startReceiver(`${name}-${i}`, '# the bench writes the jobs, then reloads\n', env));
  } catch (err) {
    await close();
    throw err;
  }
  const workers = workerIds(CONNECTIONS);
  const each = (request) => workers.map((w, i) => ({ port: rxs[i % count].port, request: request(w) }));
  return {
    name,
    db,
    rxs,
    agent,
    workers,
    claimConns: each((w) => rawRequest({ method: 'POST', path: '/v1/job/claim', json: claimBody(w) })),
    healthConns: each(() => rawRequest({ path: '/v1/health' })),
    health: side(),
    claims: side(),
    answered: [],
    cpuMs: { receivers: 0, database: 0 },
    /** CPU ms so far of each receiver, and of each server process serving its database where that server runs here. */
    async cpu() {
      return {
        receivers: cpuOf(rxs.map((rx) => rx.pid)),
        database: db ? cpuOf(await serverProcesses(db)) : new Map(),
      };
    },
    close,
  };
}

/** Writes the variant's jobs and reloads them: a warm-up sweep first in claim order (priority 1), claimed and cancelled. */
async function loadJobs(gen, v, { jobs, warm }) {
  const [first] = v.rxs;
  fs.writeFileSync(
    first.manifestPath,
    sweepManifest([
      { model: 'warmup', mode: 'bench', count: warm, priority: 1 },
      { model: 'bench', mode: 'claims', count: jobs },
    ]),
  );
  const reload = await requestJson(v.agent, first.port, {
    method: 'POST',
    path: '/v1/manifest/reload',
    headers: { 'x-operator-token': first.operatorToken },
  });
  if (reload.body.added !== warm + jobs) throw new Error(`${v.name}: the reload added ${reload.body.added} jobs, not ${warm + jobs}`);
  const warmRun = await gen.run({ connections: v.claimConns, total: warm, keep: 200 });
  const warmIds = warmRun.kept.map(([, text]) => JSON.parse(text).job.id);
  await runLoops(CONNECTIONS, async (slot, i) => {
    if (i >= warmIds.length) return false;
    const rx = v.rxs[slot % v.rxs.length];
    await requestJson(v.agent, rx.port, {
      method: 'POST',
      path: `/v1/job/${warmIds[i]}/cancel`,
      headers: { 'x-operator-token': rx.operatorToken },
    });
  });
}

function figures(report, v, { bare, healthBare }) {
  const { name } = v;
  const perS = v.claims.perS();
  const healthPerS = v.health.perS();
  report.figure(`${name}_per_s`, perS, 'claims/s');
  report.figure(`${name}_health_per_s`, healthPerS, 'req/s (on an empty queue)');
  report.figure(`${name}_idle_per_s`, (v.idle.sent / v.idle.ms) * 1000, 'req/s (claims answered 204, for reference)');
  report.check(`${name}_client_headroom`, healthBare / healthPerS, '>=', HEADROOM);
  report.check(`${name}_ratio`, perS / bare, '>=', 0.25);
  report.check(`${name}_health_ratio`, perS / healthPerS, '>=', 0.5);
  const { receivers, database } = v.cpuMs;
  report.figure(`${name}_receiver_cpu_ms_per_claim`, receivers / v.claims.requests, `ms${v.rxs.length > 1 ? ' (both receivers)' : ''}`);
  if (database > 0) report.figure(`${name}_postgres_cpu_ms_per_claim`, database / v.claims.requests, 'ms (its server processes)');
}

/** `list` starting at `round` (mod its length): each variant goes first in turn. */
function rotate(list, round) {
  const k = round % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

/** Pids of the server processes serving `db` (none readable when its server runs elsewhere). */
async function serverProcesses(db) {
  const rows = await db.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
  return rows.map((r) => r.pid);
}

/** CPU ms so far of each process still here, by pid. */
function cpuOf(pids) {
  const cpu = new Map();
  for (const pid of pids) {
    try {
      cpu.set(pid, cpuMs(pid));
    } catch {
      // gone, or not on this host
    }
  }
  return cpu;
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
 * each claimed by the worker it was answered to; every receiver lists
 * exactly those as claimed; and the database holds one claim event per job,
 * by that worker.
 */
async function verifyClaims(report, { name, answered, workers, rxs, agent, db }, { jobs, warm }) {
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
