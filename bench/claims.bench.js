'use strict';

const { startBareServer } = require('./lib/bare-baseline');
const { claimBody, sweepManifest, workerIds } = require('./lib/fleet');
const { keepAliveAgent, request, requestJson, runLoops } = require('./lib/http-load');
const { cpuMs } = require('./lib/proc-stats');
const { startReceiver } = require('./lib/receiver');

const CONCURRENCY = 32;
/** The timed phase alternates receiver and baseline this many times, so a slow spell on the machine hits both. */
const ROUNDS = 3;

/**
 * Claims per second with 32 concurrent workers draining the queue, against a
 * bare node:http server under the same load; and no job handed out twice.
 *
 * The receiver is warmed with claims of its own: a higher-priority "warmup"
 * sweep is claimed first, then cancelled, so the timed phase claims exactly
 * the bench jobs from a warm process. The timed phase runs in rounds: a third
 * of the queue is drained, then the bare server takes as many requests, and
 * so on; each side's figure is its requests over its summed time.
 */
async function claims(report, { quick }) {
  const jobs = quick ? 300 : 3000;
  const warm = quick ? 400 : 2000;
  const workers = workerIds(CONCURRENCY);
  report.note(
    `${jobs} jobs, ${CONCURRENCY} concurrent claimers, ${warm} warm-up requests on each side, ${ROUNDS} alternating rounds`,
  );

  const rx = await startReceiver(
    'claims',
    sweepManifest([
      { model: 'warmup', mode: 'bench', count: warm, priority: 1 },
      { model: 'bench', mode: 'claims', count: jobs },
    ]),
  );
  const bare = await startBareServer();
  const agent = keepAliveAgent(CONCURRENCY);
  const bareAgent = keepAliveAgent(CONCURRENCY);
  try {
    // Warm-up: the warmup jobs go first (priority 1), then out of the way.
    const warmIds = [];
    await runLoops(CONCURRENCY, async (slot, i) => {
      if (i >= warm) return false;
      const res = await requestJson(agent, rx.port, { method: 'POST', path: '/v1/job/claim', json: claimBody(workers[slot]) });
      warmIds.push(res.body.job.id);
    });
    await runLoops(CONCURRENCY, async (_slot, i) => {
      if (i >= warmIds.length) return false;
      await requestJson(agent, rx.port, {
        method: 'POST',
        path: `/v1/job/${warmIds[i]}/cancel`,
        headers: { 'x-operator-token': rx.operatorToken },
      });
    });
    const driveBare = (n) =>
      runLoops(CONCURRENCY, async (slot, i) => {
        if (i >= n) return false;
        await requestJson(bareAgent, bare.port, { method: 'POST', path: '/v1/job/claim', json: claimBody(workers[slot]) });
      });
    await driveBare(warm);

    // Timed: every claimer claims until its round's share is sent; in the last round, until the queue answers 204.
    const claimed = [];
    const wrongModel = [];
    const receiver = { ms: 0, cpuMs: 0, requests: 0 };
    const baseline = { ms: 0, cpuMs: 0, requests: 0 };
    for (let round = 1; round <= ROUNDS; round++) {
      const quota = round < ROUNDS ? Math.round((jobs * round) / ROUNDS) : Infinity;
      const sentBefore = receiver.requests;
      const cpu0 = cpuMs(rx.pid);
      receiver.ms += await runLoops(CONCURRENCY, async (slot) => {
        if (receiver.requests >= quota) return false;
        receiver.requests++;
        const res = await request(agent, rx.port, { method: 'POST', path: '/v1/job/claim', json: claimBody(workers[slot]) });
        if (res.status === 204) return false;
        if (res.status !== 200) throw new Error(`claim answered ${res.status}: ${res.text.slice(0, 300)}`);
        const { job } = JSON.parse(res.text);
        claimed.push(job.id);
        if (job.model !== 'bench') wrongModel.push(job.id);
      });
      receiver.cpuMs += cpuMs(rx.pid) - cpu0;

      const share = receiver.requests - sentBefore;
      const bareCpu0 = cpuMs(bare.pid);
      baseline.ms += await driveBare(share);
      baseline.cpuMs += cpuMs(bare.pid) - bareCpu0;
      baseline.requests += share;
    }
    const perS = (claimed.length / receiver.ms) * 1000;
    const basePerS = (baseline.requests / baseline.ms) * 1000;
    report.figure('claims_per_s', perS, 'req/s');
    report.figure('claims_baseline_per_s', basePerS, 'req/s');
    report.check('claims_ratio', perS / basePerS, '>=', 0.25);
    // CPU per request hardly moves when other work shares the cores; the wall-clock ratio does.
    const cpuPerReq = receiver.cpuMs / receiver.requests;
    const bareCpuPerReq = baseline.cpuMs / baseline.requests;
    report.figure('claims_cpu_ms_per_req', cpuPerReq, 'ms');
    report.figure('claims_baseline_cpu_ms_per_req', bareCpuPerReq, 'ms');
    report.figure('claims_cpu_ratio', bareCpuPerReq / cpuPerReq, '(baseline CPU / receiver CPU per request; for reference)');

    // No job twice: the answers, and the receiver's own view of the queue.
    const distinct = new Set(claimed);
    const listed = await listIds(agent, rx.port, 'claimed');
    const counts = listed.counts;
    const sameSet = listed.ids.length === distinct.size && listed.ids.every((id) => distinct.has(id));
    report.verify(
      'claims_unique',
      claimed.length === jobs && distinct.size === jobs && wrongModel.length === 0,
      `${claimed.length} claims answered, ${distinct.size} distinct ids, ${wrongModel.length} outside the bench sweep (want ${jobs}, ${jobs}, 0)`,
      `${distinct.size}/${claimed.length} distinct`,
    );
    report.verify(
      'claims_counts',
      counts.claimed === jobs && counts.pending === 0 && listed.ids.length === new Set(listed.ids).size && sameSet,
      `GET /v1/jobs: claimed ${counts.claimed}, pending ${counts.pending}, listed ids ${listed.ids.length} ${sameSet ? '=' : '!='} answered ids`,
      `claimed ${counts.claimed}`,
    );
  } finally {
    agent.destroy();
    bareAgent.destroy();
    await bare.close();
    await rx.close();
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
