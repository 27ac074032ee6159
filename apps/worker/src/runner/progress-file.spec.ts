import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_PROGRESS_LINE_BYTES } from '@cis490/contract';
import { ProgressFile } from './progress-file';

describe('ProgressFile', () => {
  let dir: string;
  let file: string;
  const clock = new Date('2026-01-02T03:04:05.000Z');
  const open = () => new ProgressFile(file, () => clock);
  const points = async (p: ProgressFile, max = 100, gone = false) => (await p.read(max, gone)).map((r) => r.point);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cis490-progress-'));
    file = join(dir, 'progress.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads nothing from a file that is not there', async () => {
    expect(await points(open())).toEqual([]);
  });

  it('takes whole lines only, stamping `at` when read unless the trainer gave one', async () => {
    const p = open();
    writeFileSync(file, '{"step": 1, "loss": 0.5}\n{"step": 2, "at": "2025-12-31T23:59:59Z"}\n{"step": 3');
    expect(await points(p)).toEqual([
      { step: 1, loss: 0.5, at: clock.toISOString() },
      { step: 2, at: '2025-12-31T23:59:59Z' },
    ]);
    appendFileSync(file, ', "message": "half"}\r\n\n');
    expect(await points(p)).toEqual([{ step: 3, message: 'half', at: clock.toISOString() }]);
    expect(await points(p)).toEqual([]);
  });

  it('skips and counts lines that are not JSON objects, or too long, and keeps the rest', async () => {
    const p = open();
    const long = JSON.stringify({ step: 4, message: 'x'.repeat(MAX_PROGRESS_LINE_BYTES) });
    const justFits = JSON.stringify({ step: 5, message: 'y'.repeat(MAX_PROGRESS_LINE_BYTES - 30) });
    expect(Buffer.byteLength(justFits)).toBeLessThanOrEqual(MAX_PROGRESS_LINE_BYTES);
    writeFileSync(file, ['{"step": 1}', 'not json', '[1, 2]', 'null', '{"step": 2, "at": 7}', long, justFits, '{"step": 6}', ''].join('\n'));
    const got = await points(p);
    expect(got.map((x) => x.step)).toEqual([1, 2, 5, 6]);
    expect(got[1].at).toBe(clock.toISOString()); // a trainer's `at` that is no time is replaced
    expect(p.skipped).toBe(4);
  });

  it('drops a line too long to keep as it is written, counting it once', async () => {
    const p = open();
    writeFileSync(file, `{"step": 1}\n{"message": "${'z'.repeat(70_000)}`);
    expect((await points(p)).map((x) => x.step)).toEqual([1]);
    appendFileSync(file, `${'z'.repeat(70_000)}"}\n{"step": 2}\n`);
    expect((await points(p)).map((x) => x.step)).toEqual([2]);
    expect(p.skipped).toBe(1);
  });

  it('reads no more than asked, and goes on from there', async () => {
    const p = open();
    writeFileSync(file, Array.from({ length: 5000 }, (_, i) => JSON.stringify({ step: i })).join('\n') + '\n');
    const first = await points(p, 1000);
    expect(first).toHaveLength(1000);
    const rest = await points(p, 10_000);
    expect([...first, ...rest].map((x) => x.step)).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });

  it('takes a last line without its newline once the trainer is gone', async () => {
    const p = open();
    writeFileSync(file, '{"step": 1}\n{"step": 2}');
    expect((await points(p)).map((x) => x.step)).toEqual([1]);
    expect((await points(p, 100, true)).map((x) => x.step)).toEqual([2]);
  });
});
