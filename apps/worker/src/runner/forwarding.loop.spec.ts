import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReceiverClient } from '@cis490/client';
import { CapturedLog } from '../../../../test/support/captured-log';
import { LiveReceiver } from '../../../../test/support/live-receiver';
import { TempDirs } from '../../../../test/support/temp-dirs';
import { waitFor } from '../../../../test/support/wait-for';
import { ForwardingLoop } from './forwarding.loop';

describe('ForwardingLoop, against a real receiver', () => {
  const temp = new TempDirs();
  let rx: LiveReceiver;
  let dir: string;
  let log: CapturedLog;
  const files = () => ({ logFile: join(dir, 'trainer.log'), progressFile: join(dir, 'progress.jsonl') });
  const loop = (client: ReceiverClient = rx.client(), intervalMs = 50) =>
    new ForwardingLoop(client, { jobId: rx.jobId, workerId: rx.workerId, tag: 'job j', ...files() }, log, intervalMs);
  const progressLine = (step: number) => `${JSON.stringify({ step, total: 3000, loss: 1 / (step + 1) })}\n`;
  const steps = async () => (await rx.progress()).map((p) => p.step);

  beforeEach(async () => {
    rx = await LiveReceiver.start();
    dir = temp.make('cis490-forwarding-');
    log = new CapturedLog();
  });
  afterEach(async () => {
    await rx.close();
    temp.cleanup();
  });

  it('forwards the log and progress while the trainer runs, and the rest at the end', async () => {
    const f = loop();
    f.start();
    appendFileSync(files().logFile, 'epoch 1\n');
    appendFileSync(files().progressFile, progressLine(1));
    await waitFor('the first pass', async () => (await rx.log()).text === 'epoch 1\n' && (await steps()).length === 1, 5_000);
    appendFileSync(files().logFile, 'epoch 2\n');
    // The last line has no newline yet: only the last pass, once the trainer is gone, takes it.
    appendFileSync(files().progressFile, `${progressLine(2)}${progressLine(3).trimEnd()}`);
    await f.finish({ patienceMs: 5_000 });
    expect(await rx.log()).toEqual({ text: 'epoch 1\nepoch 2\n', size: 16 });
    expect(await rx.progress()).toEqual([1, 2, 3].map((step) => expect.objectContaining({ step, total: 3000, values: { loss: 1 / (step + 1) } })));
    expect(log.text).toMatch(/job j forwarded log 16 B, 3 progress point\(s\)/);
    expect(log.text).not.toMatch(/skipped|refused/);
  });

  it('skips the lines the receiver would refuse as they are read, naming the first, and sends the rest', async () => {
    const lines = Array.from({ length: 1500 }, (_, i) => (i === 700 ? '{"step": "seven hundred"}\n' : i === 1400 ? 'not json\n' : progressLine(i)));
    appendFileSync(files().progressFile, lines.join(''));
    const f = loop();
    f.start();
    await f.finish({ patienceMs: 5_000 });
    expect(await steps()).toEqual(Array.from({ length: 1500 }, (_, i) => i).filter((i) => i !== 700 && i !== 1400));
    expect(log.lines.filter((l) => /progress: skipped/.test(l))).toEqual([
      `warning: job j progress: skipped 2 line(s) of ${files().progressFile} that are not progress points (the first, line 701: step must be a finite number)`,
    ]);
    expect(log.text).toMatch(/job j forwarded log 0 B, 1498 progress point\(s\)/);
    expect(log.text).not.toMatch(/refused/);
  });

  it('waits out a receiver that is down, saying so once, and resends only what was not acknowledged', async () => {
    const f = loop();
    f.start();
    appendFileSync(files().logFile, 'a\n');
    appendFileSync(files().progressFile, progressLine(1));
    await waitFor('the first pass', async () => (await steps()).length === 1 && (await rx.log()).size === 2, 5_000);
    await rx.stop();
    appendFileSync(files().logFile, 'b\n');
    appendFileSync(files().progressFile, progressLine(2));
    await waitFor('a failed pass', () => /forwarding the log and progress failed/.test(log.text), 5_000);
    await new Promise((r) => setTimeout(r, 300)); // several more passes fail
    await rx.restart();
    await waitFor('the receiver to be caught up', async () => (await rx.log()).text === 'a\nb\n' && (await steps()).length === 2, 5_000);
    await f.finish({ patienceMs: 5_000 });
    expect(log.lines.filter((l) => /forwarding the log and progress failed: cannot reach receiver/.test(l))).toHaveLength(1);
    expect(log.text).toMatch(/forwarding the log and progress again/);
    expect(await steps()).toEqual([1, 2]);
    expect(await rx.log()).toEqual({ text: 'a\nb\n', size: 4 });
  });

  it('gives up the last pass after its patience when the receiver stays down, and says what is left where', async () => {
    appendFileSync(files().logFile, 'unsent\n');
    await rx.stop();
    const f = loop();
    f.start();
    const began = Date.now();
    await f.finish({ patienceMs: 600 });
    expect(Date.now() - began).toBeLessThan(3_000);
    expect(log.text).toMatch(/forwarded only log 0 B, 0 progress point\(s\); the rest stays in .*trainer\.log/);
  });

  it('a hurry (shutdown) shortens the patience', async () => {
    appendFileSync(files().logFile, 'unsent\n');
    await rx.stop();
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
    const client = rx.client();
    const appends = jest.spyOn(client, 'appendLog');
    const posts = jest.spyOn(client, 'postProgress');
    const f = loop(client);
    f.start();
    f.stop();
    appendFileSync(files().logFile, 'late\n');
    appendFileSync(files().progressFile, progressLine(1));
    await new Promise((r) => setTimeout(r, 200));
    await f.finish({ patienceMs: 1_000 });
    expect(appends).not.toHaveBeenCalled();
    expect(posts).not.toHaveBeenCalled();
    expect(await rx.log()).toEqual({ text: '', size: 0 });
    expect(await steps()).toEqual([]);
  });
});
