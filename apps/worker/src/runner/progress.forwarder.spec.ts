import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReceiverClient } from '@cis490/client';
import { MAX_PROGRESS_BATCH } from '@cis490/contract';
import { CapturedLog } from '../../../../test/support/captured-log';
import { FlakyProxy } from '../../../../test/support/flaky-proxy';
import { LiveReceiver } from '../../../../test/support/live-receiver';
import { TempDirs } from '../../../../test/support/temp-dirs';
import { ProgressFile, type ReadPoint } from './progress-file';
import { PROGRESS_BATCH_BYTES, ProgressForwarder, type ProgressSource } from './progress.forwarder';

describe('ProgressForwarder, against a real receiver', () => {
  const temp = new TempDirs();
  let rx: LiveReceiver;
  let proxy: FlakyProxy | undefined;
  let file: string;
  let log: CapturedLog;
  const signal = new AbortController().signal;
  const line = (step: number, extra: Record<string, unknown> = {}) => `${JSON.stringify({ step, loss: 1 / (step + 1), ...extra })}\n`;
  const steps = async () => (await rx.progress()).map((p) => p.step);

  /** A forwarder of progress.jsonl (or of `points`) for the claimed job; `batches` are the requests it made. */
  const forwarder = (client: ReceiverClient = rx.client(), points?: Pick<ProgressFile, 'read'>) => {
    const spy = jest.spyOn(client, 'postProgress');
    const source: ProgressSource = { jobId: rx.jobId, workerId: rx.workerId, tag: 'job j', file: points ?? new ProgressFile(file) };
    const f = new ProgressForwarder(client, source, log);
    return { f, batches: () => spy.mock.calls.map(([, req]) => req.points) };
  };

  beforeEach(async () => {
    rx = await LiveReceiver.start();
    file = join(temp.make('cis490-progressfwd-'), 'progress.jsonl');
    log = new CapturedLog();
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    await rx.close();
    temp.cleanup();
  });

  it('sends a backlog oldest first, in batches of at most MAX_PROGRESS_BATCH points and PROGRESS_BATCH_BYTES', async () => {
    // Small points fill a batch by count; points with long messages (3 bytes a character) fill one by size.
    const small = Array.from({ length: 2500 }, (_, i) => line(i));
    const large = Array.from({ length: 400 }, (_, i) => line(2500 + i, { message: '✓'.repeat(1000) }));
    writeFileSync(file, [...small, ...large].join(''));
    const { f, batches } = forwarder();
    await f.forward(true, signal);
    expect(await steps()).toEqual(Array.from({ length: 2900 }, (_, i) => i));
    expect(f.sent).toBe(2900);
    const sizes = batches().map((b) => ({ points: b.length, bytes: b.reduce((n, p) => n + Buffer.byteLength(JSON.stringify(p)), 0) }));
    for (const s of sizes) {
      expect(s.points).toBeLessThanOrEqual(MAX_PROGRESS_BATCH);
      expect(s.bytes).toBeLessThanOrEqual(PROGRESS_BATCH_BYTES);
    }
    expect(sizes.filter((s) => s.points === MAX_PROGRESS_BATCH).length).toBeGreaterThanOrEqual(2);
    expect(sizes.filter((s) => s.bytes > PROGRESS_BATCH_BYTES / 2).length).toBeGreaterThanOrEqual(2);
  });

  it('keeps what the receiver did not acknowledge, and sends it on the next pass', async () => {
    writeFileSync(file, line(1));
    const { f } = forwarder();
    await f.forward(false, signal);
    appendFileSync(file, line(2) + line(3));
    await rx.stop();
    await expect(f.forward(false, signal)).rejects.toThrow(/cannot reach receiver/);
    await rx.restart();
    await f.forward(false, signal);
    expect(await steps()).toEqual([1, 2, 3]);
    expect(f.sent).toBe(3);
  });

  it('resends a batch whose answer was lost, and the receiver does not store it twice', async () => {
    proxy = await FlakyProxy.start(rx.url);
    writeFileSync(file, line(1) + line(2));
    const { f, batches } = forwarder(rx.client(proxy.url));
    proxy.dropAnswers(1); // stored, but the answer never comes back
    await expect(f.forward(false, signal)).rejects.toThrow(/cannot reach receiver/);
    expect(await steps()).toEqual([1, 2]);
    appendFileSync(file, line(3));
    await f.forward(false, signal);
    expect(batches().map((b) => b.map((p) => p.step))).toEqual([[1, 2], [1, 2, 3]]);
    expect(await steps()).toEqual([1, 2, 3]);
    expect(f.sent).toBe(3);
  });

  it('drops and counts a batch the receiver refuses, and goes on with the next', async () => {
    // Points read by another rule than the receiver's (a receiver of a later version): one is refused.
    const points: ReadPoint[] = Array.from({ length: 2500 }, (_, i) => {
      const point = { step: i === 1200 ? 'twelve hundred' : i, at: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, i)).toISOString() };
      return { point, bytes: Buffer.byteLength(JSON.stringify(point)) };
    });
    const { f } = forwarder(rx.client(), { read: async (max) => points.splice(0, max) });
    await f.forward(true, signal);
    const expected = [...Array.from({ length: 1000 }, (_, i) => i), ...Array.from({ length: 500 }, (_, i) => 2000 + i)];
    expect(await steps()).toEqual(expected);
    expect(f.sent).toBe(1500);
    expect(f.refused).toBe(1000);
    expect(f.ended).toBe(false);
    expect(log.lines).toEqual([
      'warning: job j progress: the receiver refused 1000 point(s) (400 Bad Request: points[200].step must be a finite number); dropped',
    ]);
  });

  it('stops for good once the job is no longer this worker\'s', async () => {
    const client = rx.client();
    writeFileSync(file, line(1));
    const { f, batches } = forwarder(client);
    await f.forward(false, signal);
    await client.cancel(rx.jobId);
    appendFileSync(file, line(2));
    await f.forward(false, signal);
    appendFileSync(file, line(3));
    await f.forward(true, signal);
    expect(f.ended).toBe(true);
    expect(batches()).toHaveLength(2);
    expect(await steps()).toEqual([1]);
    expect(log.text).toMatch(/job j progress forwarding stops after 1 point\(s\): the receiver refused it \(409 Conflict/);
  });
});
