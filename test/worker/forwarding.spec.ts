import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { api } from '../support/http';
import { jobsToml } from '../support/manifest.fixtures';
import { ROOT, spawnReceiver } from '../support/receiver.process';
import { waitFor } from '../support/wait-for';
import { FAST_RECEIVER_ENV, startWorker, TestFleet } from '../support/worker.process';

/** The test trainer's own line maker: what it printed is what the log must hold. */
const { printedLine } = require(join(ROOT, 'examples/trainer/models/test-double.js')) as {
  printedLine: (i: number, n: number, bytes: number) => string;
};

/** Every line the test trainer prints for `print_lines = n`, in order (stdout and stderr alike). */
const printed = (n: number, bytes: number) => Array.from({ length: n }, (_, i) => `${printedLine(i + 1, n, bytes)}\n`).join('');

/** The current attempt's log as the receiver serves it. */
async function logOf(url: string, id: string): Promise<{ text: string; size: number }> {
  const res = await fetch(`${url}/v1/job/${id}/log`);
  if (res.status !== 200) throw new Error(`GET log → ${res.status}`);
  return { text: await res.text(), size: Number(res.headers.get('x-log-size')) };
}

describe('cis490-worker run: the trainer\'s log and progress reach the receiver (SPEC §9)', () => {
  const fleet = new TestFleet();
  afterEach(() => fleet.stop());

  const start = async (hyper: Record<string, unknown>, env: Record<string, string> = {}) => {
    fleet.rx = await spawnReceiver(jobsToml([{ model: 'test', mode: 'chatty', hyper }]), { ...FAST_RECEIVER_ENV, ...env });
    const work = join(fleet.temp.make('cis490-work-'), 'work');
    fleet.worker = startWorker(['run', '--once', '--receiver-url', fleet.rx.url, '--work-dir', work, '--poll-s', '1']);
    const rx = fleet.rx;
    const job = await waitFor('the job to run', async () => (await api(`${rx.url}/v1/jobs?status=running`)).jobs[0]);
    return { rx, worker: fleet.worker, id: job.id as string };
  };

  it('streams the log while the trainer runs and whole at the end; progress arrives, bad lines skipped', async () => {
    const began = Date.now();
    const { rx, worker, id } = await start({ print_lines: 30, sleep_s: 4, line_bytes: 200, bad_progress: 3 });

    // Seen part-way: some of it on the receiver while the job still runs.
    const partial = await waitFor('part of the log while the job runs', async () => {
      const log = await logOf(rx.url, id);
      const job = await api(`${rx.url}/v1/job/${id}`);
      return log.size > 0 && job.status === 'running' ? { log, job } : null;
    });
    const expected = printed(30, 200);
    expect(expected.startsWith(partial.log.text)).toBe(true);
    expect(partial.log.size).toBeLessThan(Buffer.byteLength(expected));
    expect(partial.job.log_size).toBeGreaterThan(0);

    expect({ code: await worker.exited, output: worker.output() }).toMatchObject({ code: 0 });
    const final = await logOf(rx.url, id);
    // In order, each byte once, every wide character whole.
    expect(final.text).toBe(expected);
    expect(final.size).toBe(Buffer.byteLength(expected));

    const { attempt, points } = await api(`${rx.url}/v1/job/${id}/progress`);
    expect(attempt).toBe(1);
    expect(points.map((p: { step: number }) => p.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(points[29]).toMatchObject({ step: 30, total: 30, epoch: 4, message: 'line 30 of 30', values: { loss: 0.032258, val_accuracy: 1 } });
    const times = points.map((p: { at: string }) => Date.parse(p.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBeGreaterThanOrEqual(began - 1000);
    expect(times[29] - times[0]).toBeGreaterThan(1000); // stamped as read, pass by pass, not all at the end
    expect(worker.output()).toMatch(/progress: skipped 3 line\(s\) of .*progress\.jsonl/);
    expect(worker.output()).toMatch(/forwarded log \d+\.\d KiB, 30 progress point\(s\)/);
    expect(await api(`${rx.url}/v1/job/${id}`)).toMatchObject({ status: 'completed', log_size: final.size });
  });

  it('a receiver restarted mid-run keeps every byte it acknowledged, and the final log is whole', async () => {
    const { rx, worker, id } = await start({ print_lines: 40, sleep_s: 6, line_bytes: 100 });
    const before = await waitFor('some of the log on the receiver', async () => {
      const log = await logOf(rx.url, id);
      return log.size > 0 ? log : null;
    });

    await rx.stop();
    await waitFor('the worker to see the receiver gone', () => /forwarding the log and progress failed|heartbeat failed/.test(worker.output()));
    await rx.restart();
    const after = await logOf(rx.url, id);
    expect(after.text.startsWith(before.text)).toBe(true);

    expect({ code: await worker.exited, output: worker.output() }).toMatchObject({ code: 0 });
    expect((await logOf(rx.url, id)).text).toBe(printed(40, 100));
    const { points } = await api(`${rx.url}/v1/job/${id}/progress`);
    expect(points.map((p: { step: number }) => p.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(await api(`${rx.url}/v1/job/${id}`)).toMatchObject({ status: 'completed', attempts: 1 });
  });

  it('stops forwarding a log the receiver has capped, and the job still completes', async () => {
    const { rx, worker, id } = await start({ print_lines: 20, sleep_s: 0.5, line_bytes: 400 }, { CIS490_MAX_LOG_BYTES: '4096' });
    expect({ code: await worker.exited, output: worker.output() }).toMatchObject({ code: 0 });
    const log = await logOf(rx.url, id);
    expect(log.size).toBeLessThanOrEqual(4096);
    expect(log.text).toMatch(/\[cis490\] log truncated/);
    expect(printed(20, 400).startsWith(log.text.slice(0, log.text.indexOf('\n[cis490]')))).toBe(true);
    expect(worker.output()).toMatch(/log forwarding stops at \d+ bytes: the receiver keeps no more of it/);
    const job = await api(`${rx.url}/v1/job/${id}`);
    expect(job).toMatchObject({ status: 'completed', runs: [{ attempt: 1, log_truncated: true, progress_points: 20 }] });
  });

  it('says in the job\'s log which symlinks leading outside out/ the bundle left out', async () => {
    // A trainer whose out/ links to a host secret, above out/, and inside it.
    const trainer = join(fleet.temp.make('cis490-linking-trainer-'), 'train.js');
    writeFileSync(
      trainer,
      `const fs = require('fs'), path = require('path');
       const out = process.env.CIS490_OUTPUT_DIR;
       fs.mkdirSync(out, { recursive: true });
       fs.writeFileSync(path.join(out, 'model.json'), '{}');
       fs.symlinkSync('/etc/shadow', path.join(out, 'shadow'));
       fs.symlinkSync('..', path.join(out, 'up'));
       fs.symlinkSync('model.json', path.join(out, 'latest'));
       console.log('trained');`,
    );
    fleet.rx = await spawnReceiver(jobsToml([{ model: 'test', mode: 'links' }]), FAST_RECEIVER_ENV);
    const work = join(fleet.temp.make('cis490-work-'), 'work');
    fleet.worker = startWorker(['run', '--once', '--receiver-url', fleet.rx.url, '--work-dir', work, '--poll-s', '1'], {
      CIS490_TRAINER_CMD: `node ${trainer}`,
    });
    expect({ code: await fleet.worker.exited, output: fleet.worker.output() }).toMatchObject({ code: 0 });

    const [job] = (await api(`${fleet.rx.url}/v1/jobs?status=completed`)).jobs;
    expect((await logOf(fleet.rx.url, job.id)).text).toBe(
      'trained\n' +
        'cis490-worker: left out/shadow -> /etc/shadow out of the bundle: the link leads outside out/\n' +
        'cis490-worker: left out/up -> .. out of the bundle: the link leads outside out/\n',
    );
    expect(fleet.worker.output()).toMatch(/2 symlink\(s\) leading outside out\/ left out of the bundle/);
  });
});
