import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CapturedLog } from '../../../../test/support/captured-log';
import { FakeReceiverLog, MAX_JSON_BODY_BYTES } from '../../../../test/support/live.fakes';
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

describe('LogForwarder', () => {
  let dir: string;
  let file: string;
  let log: CapturedLog;
  const signal = new AbortController().signal;
  const forwarder = (receiver: FakeReceiverLog) =>
    new LogForwarder(receiver, { jobId: 'j', workerId: 'w', file, tag: 'job j' }, log);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cis490-logfwd-'));
    file = join(dir, 'trainer.log');
    log = new CapturedLog();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('sends nothing while the file does not exist, then what it holds, then only what is new', async () => {
    const rx = new FakeReceiverLog();
    const f = forwarder(rx);
    await f.forward(signal);
    expect(rx.requests).toHaveLength(0);
    writeFileSync(file, 'one\n');
    await f.forward(signal);
    appendFileSync(file, 'two\n');
    await f.forward(signal);
    await f.forward(signal);
    expect(rx.text).toBe('one\ntwo\n');
    expect(rx.requests.map((r) => JSON.parse(r.body).offset)).toEqual([0, 4]);
    expect(f.offset).toBe(8);
  });

  it('holds back a character still being written, and sends it whole once it is', async () => {
    const rx = new FakeReceiverLog();
    const f = forwarder(rx);
    const smile = Buffer.from('🙂');
    writeFileSync(file, Buffer.concat([Buffer.from('hi '), smile.subarray(0, 2)]));
    await f.forward(signal);
    expect(rx.text).toBe('hi ');
    appendFileSync(file, smile.subarray(2));
    await f.forward(signal);
    expect(rx.text).toBe('hi 🙂');
    expect(rx.text).not.toContain('\ufffd');
  });

  it('sends a large backlog in chunks, each cut at a character and far under the body limit', async () => {
    const rx = new FakeReceiverLog();
    const line = `${'λ✓🙂'.repeat(20)} \u001b[1m\r\n`;
    const text = line.repeat(Math.ceil((3 * LOG_CHUNK_BYTES) / Buffer.byteLength(line)));
    writeFileSync(file, text);
    await forwarder(rx).forward(signal);
    expect(rx.text).toBe(text);
    expect(rx.requests.length).toBeGreaterThanOrEqual(3);
    for (const r of rx.requests) {
      const { text: sent } = JSON.parse(r.body);
      expect(Buffer.byteLength(sent)).toBeLessThanOrEqual(LOG_CHUNK_BYTES);
      expect(sent).not.toContain('\ufffd');
      expect(Buffer.byteLength(r.body)).toBeLessThan(MAX_JSON_BODY_BYTES / 2);
    }
  });

  it('keeps the offset while the receiver is unreachable, and a lost answer costs no duplicate', async () => {
    const rx = new FakeReceiverLog();
    const f = forwarder(rx);
    writeFileSync(file, 'first\n');
    rx.down = true;
    await expect(f.forward(signal)).rejects.toThrow(/cannot reach receiver/);
    expect(f.offset).toBe(0);
    rx.down = false;
    rx.loseAnswers = 1; // stored, but the answer never came back
    await expect(f.forward(signal)).rejects.toThrow(/cannot reach receiver/);
    expect(f.offset).toBe(0);
    appendFileSync(file, 'second\n');
    await f.forward(signal);
    expect(rx.text).toBe('first\nsecond\n');
    expect(f.offset).toBe(13);
  });

  it('resends from the size a 409 names (a receiver that lost its last bytes)', async () => {
    const rx = new FakeReceiverLog();
    const f = forwarder(rx);
    writeFileSync(file, 'abc\n');
    await f.forward(signal);
    rx.bytes = rx.bytes.subarray(0, 2); // the receiver came back without its last two bytes
    appendFileSync(file, 'def\n');
    await f.forward(signal);
    expect(rx.text).toBe('abc\ndef\n');
  });

  it('stops for good once the receiver truncates the log, or the job is no longer ours', async () => {
    const capped = new FakeReceiverLog(10);
    const f = forwarder(capped);
    writeFileSync(file, '0123456789abcdef\n');
    await f.forward(signal);
    expect(f.ended).toBe(true);
    appendFileSync(file, 'more\n');
    await f.forward(signal);
    expect(capped.requests).toHaveLength(1);
    expect(log.text).toMatch(/log forwarding stops at 10 bytes: the receiver keeps no more of it/);

    const taken = new FakeReceiverLog();
    taken.notOurs = true;
    const g = forwarder(taken);
    await g.forward(signal);
    await g.forward(signal);
    expect(g.ended).toBe(true);
    expect(taken.requests).toHaveLength(1);
    expect(log.text).toMatch(/the receiver refused it \(409 Conflict/);
  });
});
