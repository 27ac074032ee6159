import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_PROGRESS_BATCH } from '@cis490/contract';
import { CapturedLog } from '../../../../test/support/captured-log';
import { FakeReceiverLog, MAX_JSON_BODY_BYTES } from '../../../../test/support/live.fakes';
import { waitFor } from '../../../../test/support/wait-for';
import { ForwardingLoop } from './forwarding.loop';

describe('ForwardingLoop', () => {
  let dir: string;
  let log: CapturedLog;
  let rx: FakeReceiverLog;
  const files = () => ({ logFile: join(dir, 'trainer.log'), progressFile: join(dir, 'progress.jsonl') });
  const loop = (intervalMs = 50) =>
    new ForwardingLoop(rx, { jobId: 'j', workerId: 'w', tag: 'job j', ...files() }, log, intervalMs);
  const progressLine = (step: number) => `${JSON.stringify({ step, total: 3000, loss: 1 / (step + 1) })}\n`;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cis490-forwarding-'));
    log = new CapturedLog();
    rx = new FakeReceiverLog();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('forwards the log and progress while the trainer runs, and the rest at the end', async () => {
    const f = loop();
    f.start();
    appendFileSync(files().logFile, 'epoch 1\n');
    appendFileSync(files().progressFile, progressLine(1));
    await waitFor('the first pass', () => rx.text === 'epoch 1\n' && rx.points.length === 1, 5_000);
    appendFileSync(files().logFile, 'epoch 2\n');
    appendFileSync(files().progressFile, `${progressLine(2)}not json\n${progressLine(3).trimEnd()}`);
    await f.finish({ patienceMs: 5_000 });
    expect(rx.text).toBe('epoch 1\nepoch 2\n');
    expect(rx.points.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(log.text).toMatch(/job j forwarded log 16 B, 3 progress point\(s\)/);
    expect(log.text).toMatch(/job j progress: skipped 1 line\(s\)/);
  });

  it('waits out a receiver that is down, saying so once, and resends only what was not acknowledged', async () => {
    const f = loop();
    f.start();
    appendFileSync(files().logFile, 'a\n');
    appendFileSync(files().progressFile, progressLine(1));
    await waitFor('the first pass', () => rx.points.length === 1, 5_000);
    rx.down = true;
    appendFileSync(files().logFile, 'b\n');
    appendFileSync(files().progressFile, progressLine(2));
    await waitFor('a failed pass', () => /forwarding the log and progress failed/.test(log.text), 5_000);
    await new Promise((r) => setTimeout(r, 300)); // several more passes fail
    rx.down = false;
    await waitFor('the receiver to be caught up', () => rx.text === 'a\nb\n' && rx.points.length === 2, 5_000);
    await f.finish({ patienceMs: 5_000 });
    expect(log.lines.filter((l) => /forwarding the log and progress failed: cannot reach receiver/.test(l))).toHaveLength(1);
    expect(log.text).toMatch(/forwarding the log and progress again/);
    expect(rx.points.map((p) => p.step)).toEqual([1, 2]);
  });

  it('sends a backlog of points in batches that fit a request', async () => {
    writeFileSync(files().progressFile, Array.from({ length: 2500 }, (_, i) => progressLine(i)).join(''));
    const f = loop();
    f.start();
    await f.finish({ patienceMs: 5_000 });
    expect(rx.points.map((p) => p.step)).toEqual(Array.from({ length: 2500 }, (_, i) => i));
    const batches = rx.requests.filter((r) => r.kind === 'progress');
    for (const b of batches) {
      expect(JSON.parse(b.body).points.length).toBeLessThanOrEqual(MAX_PROGRESS_BATCH);
      expect(Buffer.byteLength(b.body)).toBeLessThan(MAX_JSON_BODY_BYTES);
    }
  });

  it('drops only the points the receiver refuses, finding each in a batch by halving it', async () => {
    const lines = Array.from({ length: 1500 }, (_, i) =>
      i === 700 || i === 1400 ? `${JSON.stringify({ step: 'seven hundred' })}\n` : progressLine(i),
    );
    writeFileSync(files().progressFile, lines.join(''));
    const f = loop();
    f.start();
    await f.finish({ patienceMs: 5_000 });
    const expected = Array.from({ length: 1500 }, (_, i) => i).filter((i) => i !== 700 && i !== 1400);
    expect(rx.points.map((p) => p.step)).toEqual(expected);
    expect(rx.requests.filter((r) => r.kind === 'progress').length).toBeLessThan(60);
    expect(log.lines.filter((l) => /the receiver refused a point \(400 Bad Request: points\[0\]\.step/.test(l))).toHaveLength(1);
    expect(log.text).toMatch(/job j progress: the receiver refused 2 point\(s\)/);
  });

  it('gives up the last pass after its patience when the receiver stays down, and says what is left where', async () => {
    appendFileSync(files().logFile, 'unsent\n');
    rx.down = true;
    const f = loop();
    f.start();
    const began = Date.now();
    await f.finish({ patienceMs: 600 });
    expect(Date.now() - began).toBeLessThan(3_000);
    expect(log.text).toMatch(/forwarded only log 0 B, 0 progress point\(s\); the rest stays in .*trainer\.log/);
  });

  it('a hurry (shutdown) shortens the patience', async () => {
    rx.down = true;
    appendFileSync(files().logFile, 'unsent\n');
    const hurry = new AbortController();
    const f = loop();
    f.start();
    const began = Date.now();
    const finished = f.finish({ patienceMs: 60_000, hurry: hurry.signal, hurryMs: 300 });
    setTimeout(() => hurry.abort(), 100);
    await finished;
    expect(Date.now() - began).toBeLessThan(3_000);
  });

  it('stop sends nothing more', async () => {
    const f = loop();
    f.start();
    f.stop();
    appendFileSync(files().logFile, 'late\n');
    await new Promise((r) => setTimeout(r, 200));
    await f.finish({ patienceMs: 1_000 });
    expect(rx.requests).toHaveLength(0);
  });
});
