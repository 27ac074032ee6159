import { claimBody, Harness, operator, startReceiver } from '../support/receiver.harness';
import { jobsToml } from '../support/manifest.fixtures';
import { bundleBytes } from '../support/jobs.testing';
import { sha256 } from '../support/bundles';

const MANIFEST = jobsToml([
  // Retried at once: these tests are about what each attempt keeps.
  { model: 'gbt', mode: 'realistic', seed: 1, retry_backoff_s: 0 },
  { model: 'gbt', mode: 'realistic', seed: 2 },
  { model: 'gbt', mode: 'oracle', seed: 3 },
  { model: 'mlp', mode: 'realistic', seed: 4 },
]);

describe('logs, progress and results API (SPEC §9)', () => {
  let h: Harness;
  const inject = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    h.app.inject({ method, url, payload: payload as object, headers });
  const claim = async (worker = 'lab1') => (await inject('POST', '/v1/job/claim', claimBody(worker))).json().job;
  const append = (id: string, offset: number, text: string, worker = 'lab1') =>
    inject('POST', `/v1/job/${id}/log`, { worker_id: worker, offset, text });
  const complete = async (id: string, metrics: Record<string, unknown>, worker = 'lab1') => {
    const bundle = bundleBytes(`bundle of ${id}`);
    const put = await inject('PUT', `/v1/model/${id}`, bundle, {
      'content-type': 'application/zstd',
      'x-worker-id': worker,
    });
    expect(put.statusCode).toBe(201);
    const done = await inject('POST', `/v1/job/${id}/complete`, { worker_id: worker, artifact_sha256: sha256(bundle), metrics });
    expect(done.statusCode).toBe(200);
  };

  afterEach(() => h?.close());

  describe('logs', () => {
    beforeEach(async () => {
      h = await startReceiver(MANIFEST);
    });

    it('appends by byte offset, skips what it has on a resend, and asks for a gap to be resent', async () => {
      const job = await claim();
      expect(job).toMatchObject({ attempt: 1, log_size: 0, progress: null });
      expect((await append(job.id, 0, 'héllo\n')).json()).toEqual({ size: 7 });
      // The same text again (its answer was lost): nothing is added.
      expect((await append(job.id, 0, 'héllo\n')).json()).toEqual({ size: 7 });
      // Overlapping: only the new part is kept.
      expect((await append(job.id, 3, 'llo\nworld\n')).json()).toEqual({ size: 13 });
      const gap = await append(job.id, 20, 'lost?');
      expect(gap.statusCode).toBe(409);
      expect(gap.json()).toMatchObject({ statusCode: 409, size: 13 });
      expect(gap.json().message).toMatch(/resend from 13/);

      const log = await inject('GET', `/v1/job/${job.id.slice(0, 10)}/log`);
      expect(log.statusCode).toBe(200);
      expect(log.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(log.headers['x-log-attempt']).toBe('1');
      expect(log.headers['x-log-size']).toBe('13');
      expect(log.body).toBe('héllo\nworld\n');
      expect((await inject('GET', `/v1/job/${job.id}/log?offset=7`)).body).toBe('world\n');
      expect((await inject('GET', `/v1/job/${job.id}`)).json()).toMatchObject({
        log_size: 13,
        runs: [{ attempt: 1, worker_id: 'lab1', log_size: 13, log_truncated: false, progress_points: 0 }],
      });
    });

    it('takes log text only from the worker that holds the job', async () => {
      const job = await claim();
      const foreign = await append(job.id, 0, 'not mine', 'lab2');
      expect(foreign.statusCode).toBe(409);
      expect(foreign.json().size).toBeUndefined();
      await inject('POST', `/v1/job/${job.id}/cancel`, undefined, operator);
      expect((await append(job.id, 0, 'too late')).statusCode).toBe(409);
    });

    it('keeps each attempt’s log apart and serves any of them; 404 for an attempt that does not exist', async () => {
      const job = await claim();
      await append(job.id, 0, 'first try\n');
      await inject('POST', `/v1/job/${job.id}/fail`, { worker_id: 'lab1', error: 'boom', retryable: true });
      const again = await claim('lab2');
      expect(again).toMatchObject({ id: job.id, attempt: 2, log_size: 0 });
      await append(job.id, 0, 'second try\n', 'lab2');

      expect((await inject('GET', `/v1/job/${job.id}/log`)).body).toBe('second try\n');
      expect((await inject('GET', `/v1/job/${job.id}/log?attempt=1`)).body).toBe('first try\n');
      const missing = await inject('GET', `/v1/job/${job.id}/log?attempt=3`);
      expect(missing.statusCode).toBe(404);
      expect(missing.json().message).toMatch(/no attempt 3: its attempts are 1 to 2/);
      const bad = await inject('GET', `/v1/job/${job.id}/log?attempt=zero`);
      expect(bad.statusCode).toBe(400);
      expect(JSON.stringify(bad.json().message)).toMatch(/attempt/);
      const never = (await inject('GET', '/v1/jobs?model=mlp')).json().jobs[0];
      expect((await inject('GET', `/v1/job/${never.id}/log`)).statusCode).toBe(404);
      // A job's logs are never served for another job.
      const other = await claim('lab3');
      expect((await inject('GET', `/v1/job/${other.id}/log`)).body).toBe('');
    });

    it('a released job’s next run gets the next attempt number, so no log is overwritten', async () => {
      const job = await claim();
      await append(job.id, 0, 'before shutdown\n');
      await inject('POST', `/v1/job/${job.id}/fail`, { worker_id: 'lab1', error: 'worker shutdown', release: true });
      const next = await claim();
      expect(next).toMatchObject({ id: job.id, attempts: 1, attempt: 2 });
      expect((await inject('GET', `/v1/job/${job.id}/log?attempt=1`)).body).toBe('before shutdown\n');
    });
  });

  describe('a capped log', () => {
    beforeEach(async () => {
      h = await startReceiver(MANIFEST, { CIS490_MAX_LOG_BYTES: '4096' });
    });

    it('keeps up to the cap, ends with one line saying so, and answers truncated to later appends', async () => {
      const job = await claim();
      const line = 'x'.repeat(99) + '\n';
      let offset = 0;
      let answer: any;
      for (let i = 0; i < 50; i++) {
        answer = (await append(job.id, offset, line)).json();
        offset += line.length;
      }
      expect(answer.truncated).toBe(true);
      const log = (await inject('GET', `/v1/job/${job.id}/log`)).body;
      expect(Buffer.byteLength(log)).toBeLessThanOrEqual(4096);
      expect(answer.size).toBe(Buffer.byteLength(log));
      expect(log.match(/log truncated/g)).toHaveLength(1);
      expect(log.trimEnd().split('\n').pop()).toMatch(/^\[cis490\] log truncated: it reached CIS490_MAX_LOG_BYTES \(4096 bytes\)/);
      // Any offset now: dropped, answered 200.
      expect((await append(job.id, 999_999, 'more')).json()).toEqual({ size: answer.size, truncated: true });
      expect((await inject('GET', `/v1/job/${job.id}`)).json().runs[0].log_truncated).toBe(true);
    });
  });

  describe('progress', () => {
    beforeEach(async () => {
      h = await startReceiver(MANIFEST, { CIS490_MAX_PROGRESS_POINTS: '100' });
    });
    const post = (id: string, points: unknown[], worker = 'lab1') =>
      inject('POST', `/v1/job/${id}/progress`, { worker_id: worker, points });

    it('stores points, shows the latest on the job, and serves them oldest first', async () => {
      const job = await claim();
      const stored = await post(job.id, [
        { step: 1, total: 10, epoch: 0, loss: 0.9, at: '2026-01-05T09:00:00Z' },
        { step: 2, total: 10, epoch: 0, loss: 0.7, val_accuracy: 0.6, message: 'warming up', tag: 'x' },
      ]);
      expect(stored.statusCode).toBe(200);
      expect(stored.json()).toEqual({ stored: 2 });
      const view = (await inject('GET', `/v1/job/${job.id}`)).json();
      expect(view.progress).toMatchObject({ step: 2, total: 10, epoch: 0, message: 'warming up', values: { loss: 0.7, val_accuracy: 0.6 } });
      const { attempt, points } = (await inject('GET', `/v1/job/${job.id}/progress`)).json();
      expect(attempt).toBe(1);
      expect(points).toEqual([
        { at: '2026-01-05T09:00:00.000Z', step: 1, total: 10, epoch: 0, message: null, values: { loss: 0.9 } },
        expect.objectContaining({ step: 2, values: { loss: 0.7, val_accuracy: 0.6 } }),
      ]);
      expect(Date.parse(points[1].at)).not.toBeNaN();
      expect((await inject('GET', '/v1/jobs')).json().jobs.find((j: any) => j.id === job.id).progress.step).toBe(2);
    });

    it('takes a batch resent after a lost answer as a resend: nothing is stored twice', async () => {
      const job = await claim();
      const at = (s: number) => `2026-01-05T09:00:0${s}.000Z`;
      const batch = [
        { step: 1, loss: 0.9, at: at(1) },
        { step: 2, loss: 0.8, at: at(2) },
        { step: 3, loss: 0.7, at: at(2) },
      ];
      expect((await post(job.id, batch)).json()).toEqual({ stored: 3 });
      expect((await post(job.id, batch)).json()).toEqual({ stored: 0 });
      // Overlapping: the resent tail is skipped, the new points kept, even one as old as the newest stored.
      const next = [batch[2], { step: 4, loss: 0.6, at: at(2) }, { step: 5, loss: 0.5, at: at(3) }];
      expect((await post(job.id, next)).json()).toEqual({ stored: 2 });
      const { points } = (await inject('GET', `/v1/job/${job.id}/progress`)).json();
      expect(points.map((p: any) => p.step)).toEqual([1, 2, 3, 4, 5]);
    });

    it('thins evenly past the cap and always keeps the last point', async () => {
      const job = await claim();
      for (let batch = 0; batch < 5; batch++) {
        const points = Array.from({ length: 99 }, (_, i) => ({ step: batch * 99 + i, loss: 1 / (1 + batch * 99 + i) }));
        expect((await post(job.id, points)).statusCode).toBe(200);
      }
      const { points } = (await inject('GET', `/v1/job/${job.id}/progress`)).json();
      const steps: number[] = points.map((p: any) => p.step);
      expect(steps.length).toBeLessThanOrEqual(100);
      expect(steps.length).toBeGreaterThan(50);
      expect(steps[0]).toBe(0);
      expect(steps[steps.length - 1]).toBe(494);
      // Evenly: one stride between every kept point but the last.
      const gaps = new Set(steps.slice(1, -1).map((s, i) => s - steps[i]));
      expect(gaps.size).toBe(1);
      expect((await inject('GET', `/v1/job/${job.id}`)).json().runs[0].progress_points).toBe(steps.length);
    });

    it('refuses a bad batch whole, naming the point and field, and a worker that does not hold the job', async () => {
      const job = await claim();
      const bad = await post(job.id, [{ step: 1 }, { step: 'two' }]);
      expect(bad.statusCode).toBe(400);
      expect(bad.json().message).toBe('points[1].step must be a finite number');
      expect((await post(job.id, [])).json().message).toEqual(['points must hold at least 1 point']);
      expect((await post(job.id, [1, 2])).statusCode).toBe(400);
      expect((await inject('GET', `/v1/job/${job.id}/progress`)).json().points).toEqual([]);
      expect((await post(job.id, [{ step: 1 }], 'lab2')).statusCode).toBe(409);
    });
  });

  describe('results', () => {
    beforeEach(async () => {
      h = await startReceiver(MANIFEST);
    });

    it('ranks one model’s completed jobs by a metric, jobs without it last', async () => {
      const ids: string[] = [];
      const metrics = [{ accuracy: 0.7, loss: 0.5 }, { loss: 0.2 }, { accuracy: 0.9, loss: 0.4 }];
      for (const m of metrics) {
        const job = await claim();
        ids.push(job.id);
        await complete(job.id, m);
      }
      const best = (await inject('GET', '/v1/results?model=gbt')).json();
      expect(best).toMatchObject({ model: 'gbt', metric: 'accuracy', order: 'desc' });
      expect(best.results.map((r: any) => r.metrics)).toEqual([metrics[2], metrics[0], metrics[1]]);
      expect(best.results[0]).toMatchObject({ job_id: ids[2], mode: 'oracle', seed: 3, hyper: {}, worker_id: 'lab1' });

      const asc = (await inject('GET', '/v1/results?model=gbt&metric=loss&order=asc&limit=2')).json();
      expect(asc.results.map((r: any) => r.metrics.loss)).toEqual([0.2, 0.4]);
      const realistic = (await inject('GET', '/v1/results?model=gbt&mode=realistic')).json();
      expect(realistic.results).toHaveLength(2);
      expect((await inject('GET', '/v1/results?model=mlp')).json()).toEqual({ model: 'mlp', metric: null, order: 'desc', results: [] });
    });

    it('names the field of a bad query', async () => {
      expect((await inject('GET', '/v1/results')).json().message).toContain('model is required');
      expect((await inject('GET', '/v1/results?model=gbt&order=up')).json().message).toEqual(['order must be desc or asc']);
      expect((await inject('GET', '/v1/results?model=gbt&limit=0')).statusCode).toBe(400);
    });
  });
});
