import { appendFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReceiverClient } from '@cis490/client';
import { CapturedLog } from '../../../../test/support/captured-log';
import { FlakyProxy } from '../../../../test/support/flaky-proxy';
import { LiveReceiver } from '../../../../test/support/live-receiver';
import { TempDirs } from '../../../../test/support/temp-dirs';
import { LOG_CHUNK_BYTES, LogForwarder, wholeCharacters } from './log.forwarder';

describe('wholeCharacters', () => {
  const bytes = Buffer.from('aé✓🙂', 'utf8'); // 1 + 2 + 3 + 4 bytes

  it('keeps every prefix that ends on a character boundary, and cuts the others back to one', () => {
    const boundaries = [0, 1, 3, 6, 10];
    for (let n = 0; n <= bytes.length; n++) {
      const cut = wholeCharacters(bytes.subarray(0, n)).length;
      expect(cut).toBe(Math.max(...boundaries.filter((b) => b <= n)));
    }
  });
});

describe('LogForwarder, against a real receiver', () => {
  const temp = new TempDirs();
  let rx: LiveReceiver;
  let proxy: FlakyProxy | undefined;
  let file: string;
  let log: CapturedLog;
  const signal = new AbortController().signal;

  /** A forwarder of `file` for the claimed job; `appends` are the requests it made. */
  const forwarder = (client: ReceiverClient = rx.client()) => {
    const spy = jest.spyOn(client, 'appendLog');
    const f = new LogForwarder(client, { jobId: rx.jobId, workerId: rx.workerId, file, tag: 'job j' }, log);
    return { f, appends: () => spy.mock.calls.map(([, req]) => req) };
  };

  const start = async (env: Record<string, string> = {}) => {
    rx = await LiveReceiver.start(env);
  };

  beforeEach(() => {
    file = join(temp.make('cis490-logfwd-'), 'trainer.log');
    log = new CapturedLog();
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    await rx.close();
    temp.cleanup();
  });

  it('sends nothing while the file does not exist, then what it holds, then only what is new', async () => {
    await start();
    const { f, appends } = forwarder();
    await f.forward(signal);
    expect(appends()).toHaveLength(0);
    writeFileSync(file, 'one\n');
    await f.forward(signal);
    appendFileSync(file, 'two\n');
    await f.forward(signal);
    await f.forward(signal);
    expect(await rx.log()).toEqual({ text: 'one\ntwo\n', size: 8 });
    expect(appends().map((r) => r.offset)).toEqual([0, 4]);
    expect(f.offset).toBe(8);
  });

  it('holds back a character still being written, and sends it whole once it is', async () => {
    await start();
    const { f } = forwarder();
    const smile = Buffer.from('🙂');
    writeFileSync(file, Buffer.concat([Buffer.from('hi '), smile.subarray(0, 2)]));
    await f.forward(signal);
    expect((await rx.log()).text).toBe('hi ');
    appendFileSync(file, smile.subarray(2));
    await f.forward(signal);
    expect(await rx.log()).toEqual({ text: 'hi 🙂', size: 7 });
  });

  it('sends a large backlog in chunks of at most LOG_CHUNK_BYTES, each cut at a character', async () => {
    await start();
    const { f, appends } = forwarder();
    const line = `${'λ✓🙂'.repeat(20)} \u001b[1m\r\n`;
    const text = line.repeat(Math.ceil((3 * LOG_CHUNK_BYTES) / Buffer.byteLength(line)));
    writeFileSync(file, text);
    await f.forward(signal);
    expect((await rx.log()).text).toBe(text);
    expect(appends().length).toBeGreaterThanOrEqual(3);
    for (const { text: sent } of appends()) {
      expect(Buffer.byteLength(sent)).toBeLessThanOrEqual(LOG_CHUNK_BYTES);
      expect(sent).not.toContain('\ufffd');
    }
  });

  it('keeps the offset while the receiver is unreachable, and a lost answer costs no duplicate', async () => {
    await start();
    proxy = await FlakyProxy.start(rx.url);
    const { f } = forwarder(rx.client(proxy.url));
    writeFileSync(file, 'first\n');
    await rx.stop();
    await expect(f.forward(signal)).rejects.toThrow(/cannot reach receiver/);
    expect(f.offset).toBe(0);
    await rx.restart();
    proxy.dropAnswers(1); // stored, but the answer never comes back
    await expect(f.forward(signal)).rejects.toThrow(/cannot reach receiver/);
    expect(proxy.dropped).toBe(1);
    expect(f.offset).toBe(0);
    expect((await rx.log()).text).toBe('first\n');
    appendFileSync(file, 'second\n');
    await f.forward(signal);
    expect(await rx.log()).toEqual({ text: 'first\nsecond\n', size: 13 });
    expect(f.offset).toBe(13);
  });

  it('resends from the size a 409 names (a receiver that came back without its last bytes)', async () => {
    await start();
    const { f, appends } = forwarder();
    writeFileSync(file, 'abc\n');
    await f.forward(signal);
    await rx.stop();
    truncateSync(rx.logFile, 2);
    await rx.restart();
    appendFileSync(file, 'def\n');
    await f.forward(signal);
    expect(appends().map((r) => r.offset)).toEqual([0, 4, 2]);
    expect(await rx.log()).toEqual({ text: 'abc\ndef\n', size: 8 });
    expect(f.offset).toBe(8);
  });

  it('stops for good once the receiver truncates the log', async () => {
    await start({ CIS490_MAX_LOG_BYTES: '4096' });
    const { f, appends } = forwarder();
    writeFileSync(file, '0123456789abcdef\n'.repeat(300));
    await f.forward(signal);
    expect(f.ended).toBe(true);
    appendFileSync(file, 'more\n');
    await f.forward(signal);
    expect(appends()).toHaveLength(1);
    const kept = await rx.log();
    expect(kept.size).toBeLessThanOrEqual(4096);
    expect(kept.text).toMatch(/\[cis490\] log truncated/);
    expect(f.offset).toBe(kept.size);
    expect(log.text).toContain(`log forwarding stops at ${kept.size} bytes: the receiver keeps no more of it`);
  });

  it('stops for good once the job is no longer this worker\'s (a 409 without a size)', async () => {
    await start();
    const client = rx.client();
    const { f, appends } = forwarder(client);
    writeFileSync(file, 'before\n');
    await f.forward(signal);
    await client.cancel(rx.jobId);
    appendFileSync(file, 'after\n');
    await f.forward(signal);
    await f.forward(signal);
    expect(f.ended).toBe(true);
    expect(appends()).toHaveLength(2);
    expect((await rx.log()).text).toBe('before\n');
    expect(log.text).toMatch(/log forwarding stops at 7 bytes: the receiver refused it \(409 Conflict/);
  });
});
