import { Agent } from 'node:http';
import { claimBody } from '../support/receiver.harness';
import { ReceiverProcess, spawnReceiver, TEST_OPERATOR_TOKEN } from '../support/receiver.process';
import { sha256, zstd } from '../support/bundles';
import { call } from '../support/http';
import { rawRequest, RawAnswer, sweepManifest } from './faults.support';

const JOBS = 2000;
const GOOD_WORKERS = 8;
const HOSTILE_REQUESTS = 2000;
const HOSTILE_CONCURRENCY = 8;
const STATUSES = ['pending', 'claimed', 'running', 'completed', 'failed', 'cancelled'];

const JSON_CT = { 'content-type': 'application/json' };
const OPERATOR = { 'x-operator-token': TEST_OPERATOR_TOKEN };

/** A hostile request, and whether a dropped connection is an acceptable answer to it. */
interface Hostile {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Oversized: the server may answer 413/431 or just close the connection. */
  mayDrop?: boolean;
}

/** Ids nobody should be able to resolve to a job, in path form (already escaped where needed). */
const HOSTILE_IDS = [
  '../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
  'a'.repeat(5000),
  'abcdef01'.repeat(40),
  '%00',
  'abcdef01%00',
  encodeURIComponent("abcdef01' OR '1'='1"),
  encodeURIComponent('1; DROP TABLE jobs; --'),
  '%25%25%25%25%25%25%25%25',
  '________',
  'abcd%25',
  encodeURIComponent('ééééééééé'),
  '%F0%9F%92%A9'.repeat(8),
  '%E0%A4%A',
  '%ff%fe%fd%fc%fb%fa%f9%f8',
];

const deep = (n: number) => '{"worker_id":"lab1","metrics":' + '{"a":'.repeat(n) + '1' + '}'.repeat(n) + '}';

/** Bodies that must each be refused whole: malformed, wrong types, unknown fields, pollution. */
const GARBAGE_BODIES = [
  '{"worker_id": "lab1",',
  '[1,2,3]',
  'null',
  '"str"',
  '{}',
  '{"worker_id":{"$ne":1}}',
  '{"worker_id":42}',
  '{"worker_id":"lab1","error":[1]}',
  '{"worker_id":"lab1","exit_code":"1"}',
  '{"worker_id":"lab1","exit_code":1e400}',
  '{"worker_id":"lab1","artifact_sha256":"../x"}',
  '{"worker_id":"lab1","unknown_field":true}',
  '{"force":"yes"}',
  '{"__proto__":{"worker_id":"x"},"worker_id":"lab1"}',
  '{"constructor":{"prototype":{"polluted":1}}}',
  JSON.stringify({ ...claimBody('../../etc/passwd') }),
  JSON.stringify({ ...claimBody('lab1'), hostname: 42 }),
  JSON.stringify({ ...claimBody('lab1'), requre_cuda: true }),
  JSON.stringify({ ...claimBody('lab1'), capability: { ...claimBody('lab1').capability, cores: 'many', extra: 1 } }),
  JSON.stringify({ worker_id: "' OR 1=1 --", hostname: 'x', capability: {} }),
  JSON.stringify({ worker_id: 'é'.repeat(10) }),
  deep(10_000),
  '\u0000\u0001\u0002',
];

const OVERSIZED_JSON = JSON.stringify({ worker_id: 'lab1', log_tail: 'x'.repeat(1024 * 1024 + 100) });

const HOSTILE_PATHS = [
  '/v1/job/claim/../claim',
  '/v1//jobs',
  '/V1/JOBS',
  '/v1/jobs?limit=0',
  '/v1/jobs?limit=1001',
  '/v1/jobs?limit=abc',
  '/v1/jobs?limit=1e3',
  '/v1/jobs?cursor=%00%01',
  `/v1/jobs?cursor=${'A'.repeat(4000)}`,
  '/v1/jobs?status=exploded',
  '/v1/jobs?status[]=pending',
  '/v1/jobs?model=%25&mode=_',
  '/v1/jobs?worker_id=%27%20OR%201%3D1%20--',
  '/v1/jobs?model[$ne]=1',
  '/v1/models?model=../..&mode=%00',
  '/v1/models/../../etc/passwd',
  '/v1/models/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  `/v1/models/${'g'.repeat(64)}`,
  `/v1/models/${'0'.repeat(64)}`,
  '/docs/../package.json',
  '/docs/%2e%2e/%2e%2e/package.json',
  '/docs/static/..%2f..%2f..%2fetc%2fpasswd',
  '/docs-json?x=%ff',
  '/metrics?name[]=x',
  '/v1/health/../../',
  `/${'a'.repeat(8000)}`,
  '/v1/workers?x[y]=1',
  '/%00',
  '/v1/job/%',
];

/** Stands in a path for a job a good worker holds at the moment the request is sent. */
const LIVE = '{live}';

/** The hostile mix: every endpoint of the API, each with hostile ids, bodies, headers and paths. */
function hostileCatalogue(): Hostile[] {
  const list: Hostile[] = [];
  const worker = ['heartbeat', 'complete', 'fail'];
  const operator = ['cancel', 'requeue'];
  for (const id of HOSTILE_IDS) {
    list.push({ name: 'get job, hostile id', method: 'GET', path: `/v1/job/${id}` });
    for (const action of worker) {
      list.push({ name: `${action}, hostile id`, method: 'POST', path: `/v1/job/${id}/${action}`, headers: JSON_CT, body: '{"worker_id":"lab1","error":"x","artifact_sha256":"' + 'a'.repeat(64) + '"}' });
    }
    // With the real token: the id alone must keep these from touching anything.
    for (const action of operator) {
      list.push({ name: `${action}, hostile id, operator`, method: 'POST', path: `/v1/job/${id}/${action}`, headers: { ...JSON_CT, ...OPERATOR }, body: '{"force":true}' });
    }
    list.push({ name: 'upload, hostile id', method: 'PUT', path: `/v1/model/${id}`, headers: { 'content-type': 'application/zstd', 'x-worker-id': 'lab1' }, body: zstd('x') });
    list.push({ name: 'download, hostile sha', method: 'GET', path: `/v1/models/${id}` });
  }
  for (const body of GARBAGE_BODIES) {
    list.push({ name: 'claim, garbage', method: 'POST', path: '/v1/job/claim', headers: JSON_CT, body });
    for (const action of [...worker, ...operator]) {
      // Real jobs, garbage bodies and no token: nothing may change.
      list.push({ name: `${action}, real id, garbage`, method: 'POST', path: `/v1/job/${LIVE}/${action}`, headers: JSON_CT, body });
    }
    list.push({ name: 'reload, garbage, no token', method: 'POST', path: '/v1/manifest/reload', headers: JSON_CT, body });
  }
  {
    const id = LIVE;
    // Well-formed requests from the wrong worker, or with a wrong token: refused, nothing changed.
    list.push({ name: 'heartbeat, intruder', method: 'POST', path: `/v1/job/${id}/heartbeat`, headers: JSON_CT, body: '{"worker_id":"intruder"}' });
    list.push({ name: 'fail, intruder', method: 'POST', path: `/v1/job/${id}/fail`, headers: JSON_CT, body: '{"worker_id":"intruder","error":"x","release":true}' });
    list.push({ name: 'complete, intruder', method: 'POST', path: `/v1/job/${id}/complete`, headers: JSON_CT, body: `{"worker_id":"intruder","artifact_sha256":"${'b'.repeat(64)}"}` });
    list.push({ name: 'upload, intruder', method: 'PUT', path: `/v1/model/${id}`, headers: { 'content-type': 'application/zstd', 'x-worker-id': 'intruder' }, body: zstd('x') });
    list.push({ name: 'upload, not zstd', method: 'PUT', path: `/v1/model/${id}`, headers: { 'content-type': 'application/zstd', 'x-worker-id': 'intruder' }, body: 'plain' });
    list.push({ name: 'upload, bad headers', method: 'PUT', path: `/v1/model/${id}`, headers: { 'content-type': 'text/plain', 'x-worker-id': '../x', 'x-content-sha256': 'zz' }, body: 'x' });
    list.push({ name: 'cancel, wrong token', method: 'POST', path: `/v1/job/${id}/cancel`, headers: { ...JSON_CT, 'x-operator-token': 'guess' }, body: '{}' });
    list.push({ name: 'requeue, no token', method: 'POST', path: `/v1/job/${id}/requeue`, headers: JSON_CT, body: '{"force":true}' });
  }
  for (const path of HOSTILE_PATHS) list.push({ name: `path ${path.slice(0, 40)}`, method: 'GET', path });
  for (const method of ['DELETE', 'PATCH', 'OPTIONS', 'HEAD']) {
    list.push({ name: `${method} on the API`, method, path: '/v1/jobs' });
    list.push({ name: `${method} on a job`, method, path: `/v1/job/${LIVE}` });
  }
  list.push({ name: 'reload, operator', method: 'POST', path: '/v1/manifest/reload', headers: OPERATOR });
  for (const path of ['/v1/health', '/v1/workers', '/v1/models', '/metrics', '/docs-json', '/v1/jobs?status=claimed&limit=1000']) {
    list.push({ name: `read ${path}`, method: 'GET', path });
  }
  list.push({ name: 'wrong content type', method: 'POST', path: '/v1/job/claim', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(claimBody('x')) });
  list.push({ name: 'form claim', method: 'POST', path: '/v1/job/claim', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'worker_id=lab1' });
  list.push({ name: 'multipart claim', method: 'POST', path: '/v1/job/claim', headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: '--x--' });
  list.push({ name: 'utf-16 claim', method: 'POST', path: '/v1/job/claim', headers: { 'content-type': 'application/json; charset=utf-16' }, body: Buffer.from('{"a":1}', 'utf16le') });
  list.push({ name: 'json over 1 MiB', method: 'POST', path: `/v1/job/${LIVE}/heartbeat`, headers: JSON_CT, body: OVERSIZED_JSON, mayDrop: true });
  list.push({ name: 'claim over 1 MiB', method: 'POST', path: '/v1/job/claim', headers: JSON_CT, body: OVERSIZED_JSON, mayDrop: true });
  list.push({ name: 'header of 64 KiB', method: 'GET', path: '/v1/health', headers: { 'x-junk': 'x'.repeat(64 * 1024) }, mayDrop: true });
  list.push({ name: 'operator token of 64 KiB', method: 'POST', path: `/v1/job/${LIVE}/cancel`, headers: { 'x-operator-token': 'y'.repeat(64 * 1024) }, mayDrop: true });
  return shuffled(list);
}

/** A fixed shuffle, so that every kind of request is spread over the whole run. */
function shuffled<T>(items: T[]): T[] {
  let state = 490;
  const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** A well-formed worker: claim, heartbeat, then fail or upload+complete, until told to stop or the queue is empty. */
async function goodWorker(
  url: string,
  workerId: string,
  bundle: Buffer,
  stop: () => boolean,
  holding: (id: string | undefined) => void,
  tally: { completed: number; failed: number },
  wrong: string[],
): Promise<void> {
  const expect = (what: string, status: number, want: number[], body?: unknown) => {
    if (!want.includes(status)) wrong.push(`${workerId} ${what} → ${status} ${JSON.stringify(body)}`);
    return want.includes(status);
  };
  for (let round = 0; !stop(); round++) {
    const claim = await call(url, 'POST', '/v1/job/claim', claimBody(workerId));
    if (!expect('claim', claim.status, [200, 204], claim.json) || claim.status === 204) return;
    const id = claim.json.job.id as string;
    holding(id);
    const beat = await call(url, 'POST', `/v1/job/${id}/heartbeat`, { worker_id: workerId, log_tail: `epoch ${round}` });
    expect('heartbeat', beat.status, [200], beat.json);
    if (beat.status === 200 && (beat.json.cancel !== false || beat.json.status !== 'running')) {
      wrong.push(`${workerId} heartbeat answered ${JSON.stringify(beat.json)}`);
    }
    if (round % 2 === 0) {
      const fail = await call(url, 'POST', `/v1/job/${id}/fail`, { worker_id: workerId, error: 'exit 1: diverged', exit_code: 1 });
      if (expect('fail', fail.status, [200], fail.json) && fail.json.status === 'failed') tally.failed++;
      else wrong.push(`${workerId} fail left ${JSON.stringify(fail.json?.status)}`);
    } else {
      const put = await fetch(`${url}/v1/model/${id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/zstd', 'x-worker-id': workerId },
        body: bundle,
      });
      expect('upload', put.status, [201], await put.text());
      const done = await call(url, 'POST', `/v1/job/${id}/complete`, { worker_id: workerId, artifact_sha256: sha256(bundle) });
      if (expect('complete', done.status, [200], done.json) && done.json.status === 'completed') tally.completed++;
      else wrong.push(`${workerId} complete left ${JSON.stringify(done.json?.status)}`);
    }
    holding(undefined);
  }
}

describe('hostile input under load', () => {
  let rx: ReceiverProcess | undefined;
  const agent = new Agent({ keepAlive: true, maxSockets: HOSTILE_CONCURRENCY });

  afterAll(async () => {
    agent.destroy();
    await rx?.close();
  });

  it('answers no 5xx, stays up, and serves every well-formed worker exactly as without it', async () => {
    rx = await spawnReceiver(sweepManifest(JOBS));
    const url = rx.url;
    const bundle = zstd('a trained model\n'.repeat(100));
    const catalogue = hostileCatalogue();
    expect(catalogue.length).toBeLessThanOrEqual(HOSTILE_REQUESTS);
    // The jobs the good workers hold right now: the hostile requests aim at them.
    const held: (string | undefined)[] = [];
    const firstJob = ((await call(url, 'GET', '/v1/jobs?limit=1')).json.jobs[0] as { id: string }).id;
    let aimedAtHeld = 0;
    const target = (i: number) => {
      const id = held[i % GOOD_WORKERS];
      if (id) aimedAtHeld++;
      return id ?? firstJob;
    };

    let hostileDone = false;
    const tally = { completed: 0, failed: 0 };
    const wrong: string[] = [];
    const workers = Array.from({ length: GOOD_WORKERS }, (_, i) =>
      goodWorker(url, `good-${i}`, bundle, () => hostileDone, (id) => (held[i] = id), tally, wrong),
    );

    const answers: { h: Hostile; a: RawAnswer }[] = [];
    let next = 0;
    const fire = async () => {
      while (next < HOSTILE_REQUESTS) {
        const i = next++;
        const entry = catalogue[i % catalogue.length];
        const h = entry.path.includes(LIVE) ? { ...entry, path: entry.path.replace(LIVE, target(i)) } : entry;
        let a: RawAnswer;
        try {
          // Oversized ones on a connection of their own: the server may close it.
          a = await rawRequest(url, { ...h, agent: h.mayDrop ? undefined : agent });
        } catch (err) {
          a = { status: null, body: '', error: `client refused to send: ${(err as Error).message}` };
        }
        answers.push({ h, a });
      }
    };
    await Promise.all(Array.from({ length: HOSTILE_CONCURRENCY }, fire)).finally(() => (hostileDone = true));
    await Promise.all(workers);

    expect(answers).toHaveLength(HOSTILE_REQUESTS);
    // Most of the attacks on real jobs hit one while a good worker held it.
    expect(aimedAtHeld).toBeGreaterThan(100);
    const serverErrors = answers.filter(({ a }) => a.status !== null && a.status >= 500);
    expect(serverErrors.map(({ h, a }) => `${h.name}: ${h.method} ${h.path.slice(0, 80)} → ${a.status} ${a.body.slice(0, 200)}`)).toEqual([]);
    const dropped = answers.filter(({ h, a }) => a.status === null && !h.mayDrop);
    expect(dropped.map(({ h, a }) => `${h.name}: ${h.method} ${h.path.slice(0, 80)} → ${a.error}`)).toEqual([]);
    // The oversized ones were really refused as such, not just lost.
    const oversized = answers.filter(({ h }) => h.mayDrop).map(({ a }) => a.status);
    expect(oversized.every((s) => s === null || s === 413 || s === 431)).toBe(true);
    expect(oversized).toContain(413);

    expect(wrong).toEqual([]);
    expect(tally.completed + tally.failed).toBeGreaterThan(GOOD_WORKERS);
    expect(rx.child.exitCode).toBeNull();
    expect(rx.child.signalCode).toBeNull();
    expect((await call(url, 'GET', '/v1/health')).json).toMatchObject({ status: 'ok', db: 'ok' });

    const { counts } = (await call(url, 'GET', '/v1/jobs?limit=1')).json;
    expect(STATUSES.reduce((sum, s) => sum + counts[s], 0)).toBe(JOBS);
    expect(counts).toEqual({
      pending: JOBS - tally.completed - tally.failed,
      claimed: 0,
      running: 0,
      completed: tally.completed,
      failed: tally.failed,
      cancelled: 0,
    });
  });
});

/**
 * Single requests that once took the receiver down or answered 5xx, each
 * against a fresh receiver so a regression shows as exactly this test.
 */
describe('hostile bodies that once broke the receiver', () => {
  let rx: ReceiverProcess | undefined;

  afterEach(async () => {
    await rx?.close();
    rx = undefined;
  });

  /** Sends one request to a fresh receiver; answers its status and whether the receiver outlived it. */
  async function oneShot(h: Omit<Hostile, 'name'>) {
    rx = await spawnReceiver(sweepManifest(3));
    const answer = await rawRequest(rx.url, h);
    const health = await rawRequest(rx.url, { method: 'GET', path: '/v1/health' });
    return { status: answer.status ?? answer.error, alive: health.status === 200 && rx.child.exitCode === null && rx.child.signalCode === null };
  }

  // The raw-stream parser for bundles once served every route, so a JSON endpoint handed the
  // request stream itself to validation, which walked into the socket and aborted the process.
  it.each(['application/zstd', 'application/octet-stream'])(
    'a JSON endpoint sent Content-Type %s answers 4xx and the receiver lives',
    async (contentType) => {
      const r = await oneShot({ method: 'POST', path: '/v1/job/claim', headers: { 'content-type': contentType }, body: zstd('x') });
      expect(r).toEqual({ status: expect.any(Number), alive: true });
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
    },
  );

  // A well-formed body nested ~10,000 deep (60 KiB) once overflowed class-transformer's stack (500).
  it('a JSON body nested 10,000 deep answers 400, not 500', async () => {
    const r = await oneShot({ method: 'POST', path: '/v1/job/claim', headers: JSON_CT, body: deep(10_000) });
    expect(r).toEqual({ status: 400, alive: true });
  });
});
