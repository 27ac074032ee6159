import { call, claimOne, putBundle } from '../support/http';
import { jobsToml } from '../support/manifest.fixtures';
import { spawnReceiver, type ReceiverProcess } from '../support/receiver.process';
import { openEvents, type SseReader } from '../support/sse';
import { bundleBytes } from '../support/jobs.testing';
import { sha256 } from '../support/bundles';

const MANIFEST = jobsToml([
  { model: 'gbt', mode: 'realistic', seed: 1 },
  { model: 'gbt', mode: 'realistic', seed: 2 },
]);

describe('GET /v1/events and following a log (real receiver)', () => {
  let rx: ReceiverProcess;
  const readers: SseReader[] = [];
  const events = async (lastEventId?: string) => {
    const r = await openEvents(`${rx.url}/v1/events`, lastEventId);
    readers.push(r);
    return r;
  };
  const isJob = (status: string) => (m: { event?: string; data?: any }) => m.event === 'job' && m.data.status === status;

  beforeAll(async () => {
    rx = await spawnReceiver(MANIFEST, { CIS490_HEARTBEAT_INTERVAL_S: '1' });
  });
  afterAll(async () => {
    readers.forEach((r) => r.close());
    await rx.close();
  });

  it('tells every transition, with increasing ids, and the counts and workers that change with them', async () => {
    const stream = await events();
    const job = await claimOne(rx.url, 'lab1');
    const claimed = await stream.next(isJob('claimed'));
    expect(claimed.data).toMatchObject({ id: job.id, worker_id: 'lab1', attempt: 1, log_size: 0, progress: null });
    expect(claimed.data.events).toBeUndefined();
    await call(rx.url, 'POST', `/v1/job/${job.id}/heartbeat`, { worker_id: 'lab1' });
    await stream.next(isJob('running'));
    const counts = await stream.next((m) => m.event === 'counts' && m.data.running === 1);
    expect(counts.data).toEqual({ pending: 1, claimed: 0, running: 1, completed: 0, failed: 0, cancelled: 0 });
    const worker = await stream.next((m) => m.event === 'worker' && m.data.worker_id === 'lab1');
    expect(worker.data).toMatchObject({ online: true, current_job_ids: [job.id] });

    const bundle = bundleBytes('weights');
    await putBundle(rx.url, job.id, 'lab1', bundle);
    await call(rx.url, 'POST', `/v1/job/${job.id}/complete`, { worker_id: 'lab1', artifact_sha256: sha256(bundle) });
    await stream.next(isJob('completed'));

    const ids = stream.messages.filter((m) => m.id !== undefined).map((m) => Number(m.id));
    expect(ids.length).toBeGreaterThanOrEqual(5);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(stream.messages[0].retry).toBeGreaterThan(0);
  });

  it('replays what a client missed after Last-Event-ID, and resets one whose id it no longer holds', async () => {
    const first = await events();
    const job = await claimOne(rx.url, 'lab2');
    const seen = await first.next(isJob('claimed'));
    first.close();
    // Missed while away: the job starts and fails.
    await call(rx.url, 'POST', `/v1/job/${job.id}/heartbeat`, { worker_id: 'lab2' });
    await call(rx.url, 'POST', `/v1/job/${job.id}/fail`, { worker_id: 'lab2', error: 'exit 1' });

    const back = await events(seen.id);
    const failed = await back.next(isJob('failed'));
    const replayed = back.messages.filter((m) => m.event === 'job').map((m) => m.data.status);
    expect(replayed).toEqual(['running', 'failed']);
    expect(Number(back.messages.find((m) => m.event === 'job')!.id)).toBeGreaterThan(Number(seen.id));
    expect(failed.data.error).toBe('exit 1');

    const lost = await events('12');
    const reset = await lost.next((m) => m.event === 'reset');
    expect(reset.data.reason).toMatch(/no longer held/);
    expect(lost.messages.findIndex((m) => m.event === 'reset')).toBeLessThanOrEqual(1);
  });

  it('follows a log as it grows and ends the answer when the attempt ends', async () => {
    await call(rx.url, 'POST', '/v1/manifest/reload', {}, { operator: true });
    const requeue = await call(rx.url, 'GET', '/v1/jobs?status=failed');
    await call(rx.url, 'POST', `/v1/job/${requeue.json.jobs[0].id}/requeue`, {}, { operator: true });
    const job = await claimOne(rx.url, 'lab3');
    await call(rx.url, 'POST', `/v1/job/${job.id}/log`, { worker_id: 'lab3', offset: 0, text: 'line 1\n' });

    const res = await fetch(`${rx.url}/v1/job/${job.id}/log?follow=1`);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('x-log-attempt')).toBe('2');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (want: string) => {
      while (!text.includes(want)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the log ended before "${want}": ${text}`);
        text += decoder.decode(value, { stream: true });
      }
    };
    await readUntil('line 1\n');
    await call(rx.url, 'POST', `/v1/job/${job.id}/log`, { worker_id: 'lab3', offset: 7, text: 'line 2\n' });
    await readUntil('line 2\n');
    await call(rx.url, 'POST', `/v1/job/${job.id}/log`, { worker_id: 'lab3', offset: 14, text: 'last words\n' });
    await call(rx.url, 'POST', `/v1/job/${job.id}/fail`, { worker_id: 'lab3', error: 'exit 2' });
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toBe('line 1\nline 2\nlast words\n');
  });

  it('stops promptly with event streams and followers open', async () => {
    await events();
    const job = await claimOne(rx.url, 'lab4').catch(() => null);
    if (job) void fetch(`${rx.url}/v1/job/${job.id}/log?follow=1`).then((r) => r.text()).catch(() => undefined);
    const started = Date.now();
    await rx.stop();
    // Nest re-raises the signal once it has closed everything.
    expect(rx.child.signalCode).toBe('SIGTERM');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
