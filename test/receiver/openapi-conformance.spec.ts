import { Validator } from '@seriousme/openapi-schema-validator';
import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SQLITE_FILE_NAME } from '@cis490/db';
import { QueueService } from '@cis490/jobs';
import { CHROMIUM, CHROMIUM_INSTALL, chromiumAvailable, launchChromium, PageWatch, screenshotDir } from '../support/browser';
import { bundleBytes, manifestOf } from '../support/jobs.testing';
import { jobsToml } from '../support/manifest.fixtures';
import { PrismProxy, type ProxiedAnswer } from '../support/prism';
import { claimBody, gpuCapability, type Harness, OPERATOR_TOKEN, startReceiver } from '../support/receiver.harness';
import { sha256 } from '../support/bundles';

const WORKER_TOKEN = 'worker-secret-1';
const WORKER = { authorization: `Bearer ${WORKER_TOKEN}` };
const OPERATOR = { 'x-operator-token': OPERATOR_TOKEN };
const MANIFEST = jobsToml([
  { model: 'gbt', mode: 'realistic', seed: 1, name: 'base' },
  { model: 'gbt', mode: 'realistic', seed: 2 },
  { model: 'gbt', mode: 'realistic', seed: 3 },
  { model: 'mlp', mode: 'realistic', seed: 1, require_cuda: true },
  { model: 'ens', mode: 'realistic', seed: 1, after: ['base'] },
]);

interface Listening {
  h: Harness;
  url: string;
  prism: PrismProxy;
}

async function listening(env: Record<string, string>): Promise<Listening> {
  const h = await startReceiver(MANIFEST, env);
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(h.app.getHttpServer().address() as AddressInfo).port}`;
  return { h, url, prism: await PrismProxy.start(url, h.dir) };
}

/**
 * Every operation of the API, its successes and the errors a client can
 * provoke, called through Stoplight Prism's validation proxy: an answer the
 * document does not declare (a status, a media type, a field of the wrong
 * type or missing) fails the test, whoever wrote the document. Requests that
 * are bad on purpose may violate it; answers may not.
 */
describe('the OpenAPI document, checked by a validation proxy', () => {
  let fleet: Listening;
  /** A receiver with no operator token: operator endpoints answer 403. */
  let closed: Listening;
  const covered = new Set<string>();
  /** Each answer that was not what the call expects or not what the document declares: all listed at the end. */
  const problems: string[] = [];

  beforeAll(async () => {
    [fleet, closed] = await Promise.all([
      listening({ CIS490_WORKER_TOKEN: WORKER_TOKEN }),
      listening({ CIS490_OPERATOR_TOKEN: '' }),
    ]);
  }, 120_000);
  /** Receivers stopped (and their files removed) before the end: the event stream's, to end it. */
  const stopped = new Set<Harness>();
  const stop = async (h: Harness) => {
    if (stopped.has(h)) return;
    stopped.add(h);
    await h.close();
  };
  afterAll(async () => {
    for (const side of [fleet, closed]) {
      if (!side) continue;
      await stop(side.h);
      await side.prism.close();
    }
  });

  /** `template` as the document names it; `{id}`-style parts filled from `params`. */
  async function answer(
    status: number,
    [method, template]: [string, string],
    init: Parameters<PrismProxy['call']>[2] & { params?: Record<string, string>; query?: string; via?: Listening } = {},
  ): Promise<ProxiedAnswer> {
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) => init.params![name]) + (init.query ?? '');
    const got = await (init.via ?? fleet).prism.call(method, path, init);
    covered.add(`${method} ${template}`);
    const label = `${method} ${path} → ${got.status} (expected ${status})`;
    if (got.status !== status) problems.push(`${label}: ${got.text.slice(0, 300)}`);
    for (const v of got.answerViolations) problems.push(`${label}: ${v.location.join('.')}: ${v.message}`);
    return got;
  }

  /** Operations as the document lists them: `GET /v1/jobs`. */
  const operationsOf = (document: { paths: Record<string, object> }) =>
    Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));

  it('is a valid OpenAPI 3 document that Swagger UI renders, every operation in it', async () => {
    const document = JSON.parse(readFileSync(join(closed.h.dir, 'openapi.json'), 'utf8'));
    const checked = await new Validator().validate(document);
    expect({ valid: checked.valid, errors: checked.errors }).toEqual({ valid: true, errors: undefined });
    expect(document.openapi).toMatch(/^3\./);

    if (!chromiumAvailable()) {
      process.stderr.write(`Swagger UI not rendered: no Chromium at ${CHROMIUM}; to render it: ${CHROMIUM_INSTALL}\n`);
      return;
    }
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const watch = new PageWatch(closed.url);
      await watch.guard(context);
      const page = await context.newPage();
      await page.goto(`${closed.url}/docs`);
      await page.locator('.opblock').first().waitFor();
      const shown = await page.locator('.opblock').evaluateAll((blocks) =>
        blocks.map((block) => `${block.querySelector('.opblock-summary-method')?.textContent} ${block.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`),
      );
      expect(shown.sort()).toEqual(operationsOf(document).sort());
      // One operation opened: its answers, errors and all, are listed.
      await page.locator('#operations-jobs-JobsController_claim').click();
      await page.locator('#operations-jobs-JobsController_claim .responses-table').first().waitFor();
      const statuses = await page.locator('#operations-jobs-JobsController_claim tr.response .response-col_status').allTextContents();
      expect(statuses.map((s) => s.trim())).toEqual(['200', '204', '400', '401', '403', '413', '415', '503']);
      const shots = screenshotDir('cis490-docs-');
      await page.screenshot({ path: join(shots, 'docs.png') });
      await page.locator('#operations-jobs-JobsController_claim .responses-wrapper').screenshot({ path: join(shots, 'claim-answers.png') });
      expect(watch.take()).toEqual({ outside: [], errors: [] });
    } finally {
      await browser.close();
    }
  });

  const CLAIM: [string, string] = ['POST', '/v1/job/claim'];
  const JOB: [string, string] = ['GET', '/v1/job/{id}'];
  const ops = (method: string, what: string): [string, string] => [method, `/v1/job/{id}/${what}`];

  it('declares every answer of every operation', async () => {
    // The stream is checked when it ends: when its receiver stops, last.
    const events = fleet.prism.call('GET', '/v1/events');
    events.catch(() => undefined); // awaited at the end; a failure before then is reported by what failed

    await answer(200, ['GET', '/v1/health']);
    const metrics = await answer(200, ['GET', '/metrics']);
    expect(metrics.contentType).toMatch(/^text\/plain/);
    await answer(200, ['GET', '/v1/jobs']);
    await answer(400, ['GET', '/v1/jobs'], { query: '?limit=0' });
    await answer(400, ['GET', '/v1/jobs'], { query: '?cursor=not-a-cursor' });
    await answer(200, ['GET', '/v1/workers']);

    // Claims: every refusal first, then three jobs to two workers; the CUDA job is left.
    await answer(400, CLAIM, { headers: WORKER, body: { worker_id: 'lab1' } });
    await answer(400, CLAIM, { headers: { ...WORKER, 'content-type': 'application/json' }, raw: '{"worker_id": ' });
    await answer(400, CLAIM, { headers: WORKER, body: claimBody('lab1'), query: '?wait_s=forever' });
    await answer(401, CLAIM, { body: claimBody('lab1') });
    await answer(413, CLAIM, { headers: WORKER, body: { ...claimBody('lab1'), pad: 'x'.repeat(1_100_000) } });
    await answer(415, CLAIM, { headers: { ...WORKER, 'content-type': 'text/plain' }, raw: 'claim' });
    const a = (await answer(200, CLAIM, { headers: WORKER, body: claimBody('lab1') })).json.job;
    const b = (await answer(200, CLAIM, { headers: WORKER, body: claimBody('lab1') })).json.job;
    const c = (await answer(200, CLAIM, { headers: WORKER, body: claimBody('lab2') })).json.job;
    await answer(204, CLAIM, { headers: WORKER, body: claimBody('lab3'), query: '?wait_s=1' });
    await answer(200, ['GET', '/v1/workers']);

    const cuda = (await answer(200, ['GET', '/v1/jobs'], { query: '?model=mlp' })).json.jobs[0];
    expect((await answer(200, JOB, { params: { id: cuda.id } })).json.pending_reason).toMatch(/CUDA/);
    await answer(200, JOB, { params: { id: a.id.slice(0, 8) } });
    await answer(404, JOB, { params: { id: 'deadbeef' } });
    await answer(404, JOB, { params: { id: 'abc' } });

    const heartbeat = ops('POST', 'heartbeat');
    await answer(200, heartbeat, { params: { id: a.id }, headers: WORKER, body: { worker_id: 'lab1', log_tail: 'epoch 1\n' } });
    const cancel = await answer(409, heartbeat, { params: { id: a.id }, headers: WORKER, body: { worker_id: 'lab2' } });
    expect(cancel.json).toEqual({ status: 'running', cancel: true });
    await answer(404, heartbeat, { params: { id: 'f'.repeat(64) }, headers: WORKER, body: { worker_id: 'lab1' } });
    await answer(400, heartbeat, { params: { id: a.id }, headers: WORKER, body: { worker_id: 7 } });
    await answer(401, heartbeat, { params: { id: a.id }, headers: { authorization: 'Bearer wrong-token' }, body: { worker_id: 'lab1' } });

    // Logs and progress (SPEC §9).
    const postLog = ops('POST', 'log');
    await answer(200, postLog, { params: { id: a.id }, headers: WORKER, body: { worker_id: 'lab1', offset: 0, text: 'loading data\n' } });
    const behind = await answer(409, postLog, { params: { id: a.id }, headers: WORKER, body: { worker_id: 'lab1', offset: 999, text: 'x' } });
    expect(behind.json.size).toBe(13);
    await answer(409, postLog, { params: { id: a.id }, headers: WORKER, body: { worker_id: 'lab2', offset: 13, text: 'x' } });
    await answer(400, postLog, { params: { id: a.id }, headers: WORKER, body: { worker_id: 'lab1', offset: -1, text: 'x' } });
    const getLog = ops('GET', 'log');
    const log = await answer(200, getLog, { params: { id: a.id } });
    expect([log.contentType, log.text]).toEqual(['text/plain; charset=utf-8', 'loading data\n']);
    await answer(404, getLog, { params: { id: a.id }, query: '?attempt=7' });
    await answer(400, getLog, { params: { id: a.id }, query: '?offset=-1' });
    const postProgress = ops('POST', 'progress');
    const point = { step: 1, total: 10, epoch: 0, loss: 0.5, message: 'warming up' };
    await answer(200, postProgress, { params: { id: a.id }, headers: WORKER, body: { worker_id: 'lab1', points: [point] } });
    await answer(409, postProgress, { params: { id: a.id }, headers: WORKER, body: { worker_id: 'lab2', points: [point] } });
    await answer(400, postProgress, { params: { id: a.id }, headers: WORKER, body: { worker_id: 'lab1', points: [] } });
    const getProgress = ops('GET', 'progress');
    await answer(200, getProgress, { params: { id: a.id } });
    await answer(404, getProgress, { params: { id: a.id }, query: '?attempt=9' });
    await answer(200, ['GET', '/v1/jobs']);

    // Uploads: the bundle itself goes straight to the receiver (Prism re-encodes binary bodies); its refusals through Prism.
    const complete = ops('POST', 'complete');
    const bundle = bundleBytes('the model');
    const digest = sha256(bundle);
    await answer(422, complete, { params: { id: a.id }, headers: WORKER, body: { worker_id: 'lab1', artifact_sha256: digest } });
    const upload: [string, string] = ['PUT', '/v1/model/{id}'];
    const uploadHeaders = { ...WORKER, 'content-type': 'application/zstd', 'x-worker-id': 'lab1' };
    await answer(415, upload, { params: { id: a.id }, headers: uploadHeaders, raw: 'not a bundle' });
    await answer(415, upload, { params: { id: a.id }, headers: { ...uploadHeaders, 'content-type': 'text/plain' }, raw: 'x' });
    await answer(409, upload, { params: { id: a.id }, headers: { ...uploadHeaders, 'x-worker-id': 'lab2' }, raw: 'x' });
    await answer(400, upload, { params: { id: a.id }, headers: { ...uploadHeaders, 'x-worker-id': '' }, raw: 'x' });
    await answer(401, upload, { params: { id: a.id }, headers: { ...uploadHeaders, authorization: 'Bearer wrong-token' }, raw: 'x' });
    const stored = await fetch(`${fleet.url}/v1/model/${a.id}`, {
      method: 'PUT',
      headers: { ...uploadHeaders, 'x-content-sha256': digest },
      body: bundle,
    });
    expect(stored.status).toBe(201);
    await answer(200, complete, { params: { id: a.id }, headers: WORKER, body: { worker_id: 'lab1', artifact_sha256: digest, metrics: { accuracy: 0.9 } } });
    await answer(200, complete, { params: { id: a.id }, headers: WORKER, body: { worker_id: 'lab1', artifact_sha256: digest } });
    // Now the job after it is eligible: its claim lists the bundle as an input. A GPU host gets the CUDA job and its GPU.
    const pipelined = await answer(200, CLAIM, { headers: WORKER, body: claimBody('lab3') });
    expect(pipelined.json.inputs).toEqual([expect.objectContaining({ job_id: a.id, artifact_sha256: digest })]);
    const gpu = await answer(200, CLAIM, { headers: WORKER, body: claimBody('gpu1', { capability: gpuCapability(24, { hostname: 'gpu1' }) }) });
    expect([gpu.json.job.id, gpu.json.gpus]).toEqual([cuda.id, [0]]);
    await answer(200, ['GET', '/v1/workers']);
    await answer(409, complete, { params: { id: b.id }, headers: WORKER, body: { worker_id: 'lab2', artifact_sha256: digest } });
    await answer(400, complete, { params: { id: b.id }, headers: WORKER, body: { worker_id: 'lab1', artifact_sha256: 'xyz' } });

    const fail = ops('POST', 'fail');
    await answer(409, fail, { params: { id: b.id }, headers: WORKER, body: { worker_id: 'lab2', error: 'not mine' } });
    await answer(400, fail, { params: { id: b.id }, headers: WORKER, body: { worker_id: 'lab1' } });
    await answer(200, fail, { params: { id: b.id }, headers: WORKER, body: { worker_id: 'lab1', error: 'out of memory', exit_code: 137 } });

    await answer(200, ['GET', '/v1/models']);
    await answer(400, ['GET', '/v1/models'], { query: `?model=${'m'.repeat(65)}` });
    const download = await answer(200, ['GET', '/v1/models/{sha256}'], { params: { sha256: digest } });
    expect(download.contentType).toBe('application/zstd');
    await answer(404, ['GET', '/v1/models/{sha256}'], { params: { sha256: 'f'.repeat(64) } });
    await answer(200, ['GET', '/v1/results'], { query: '?model=gbt' });
    await answer(400, ['GET', '/v1/results']);
    // The attempt has ended: a followed log is sent whole and closed.
    await answer(200, getLog, { params: { id: a.id }, query: '?follow=1' });

    // Operator calls.
    const cancelOp = ops('POST', 'cancel');
    await answer(401, cancelOp, { params: { id: c.id } });
    await answer(403, cancelOp, { params: { id: c.id }, headers: OPERATOR, via: closed });
    await answer(200, cancelOp, { params: { id: c.id }, headers: OPERATOR });
    await answer(409, cancelOp, { params: { id: a.id }, headers: OPERATOR });
    await answer(404, cancelOp, { params: { id: 'deadbeef' }, headers: OPERATOR });
    const requeue = ops('POST', 'requeue');
    await answer(401, requeue, { params: { id: b.id }, headers: { 'x-operator-token': 'wrong-token' } });
    await answer(400, requeue, { params: { id: b.id }, headers: OPERATOR, body: { force: 'yes' } });
    await answer(409, requeue, { params: { id: a.id }, headers: OPERATOR, body: {} });
    await answer(200, requeue, { params: { id: b.id }, headers: OPERATOR });
    await answer(200, requeue, { params: { id: a.id }, headers: OPERATOR, body: { force: true } });
    const reload: [string, string] = ['POST', '/v1/manifest/reload'];
    await answer(401, reload);
    await answer(403, reload, { headers: OPERATOR, via: closed });
    await answer(200, reload, { headers: OPERATOR });
    const manifest = readFileSync(fleet.h.manifestPath, 'utf8');
    writeFileSync(fleet.h.manifestPath, `${manifest}\n[[jobs]]\nmodel = "gbt"\nseed = "one"\n`);
    const rejected = await answer(422, reload, { headers: OPERATOR });
    expect(rejected.json.errors.length).toBeGreaterThan(0);
    writeFileSync(fleet.h.manifestPath, manifest);

    // A prefix two jobs share (ids chosen: a real manifest makes such a pair once in ~65,000 jobs).
    const twins = ['abcdef0011', 'abcdef0022'].map((prefix) => prefix.padEnd(64, '0'));
    await fleet.h.app.get(QueueService).reload(manifestOf(twins.map((id) => ({ id }))));
    expect((await answer(409, JOB, { params: { id: 'abcdef00' } })).json.matches).toEqual(twins);
    await answer(409, heartbeat, { params: { id: 'abcdef00' }, headers: WORKER, body: { worker_id: 'lab1' } });

    // Another process holding SQLite's write lock: 503, in health too.
    const other = new Database(join(fleet.h.config.dataDir, SQLITE_FILE_NAME));
    try {
      other.exec('BEGIN IMMEDIATE');
      const waiting = answer(503, CLAIM, { headers: WORKER, body: claimBody('lab1') });
      // Health turns 503 once writes have waited a second, while the claim still waits.
      await new Promise((r) => setTimeout(r, 1_500));
      await answer(503, ['GET', '/v1/health']);
      await waiting;
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }

    // The event stream ends when its receiver stops, and only then can its whole answer be checked.
    const document = JSON.parse(readFileSync(join(fleet.h.dir, 'openapi.json'), 'utf8'));
    await stop(fleet.h);
    const stream = await events;
    covered.add('GET /v1/events');
    for (const v of stream.answerViolations) problems.push(`GET /v1/events: ${v.location.join('.')}: ${v.message}`);
    expect([stream.status, stream.contentType]).toEqual([200, 'text/event-stream; charset=utf-8']);
    expect(stream.text).toMatch(/^event: job$/m);

    expect(operationsOf(document).filter((operation) => !covered.has(operation))).toEqual([]);
    expect(problems).toEqual([]);
  }, 180_000);
});
