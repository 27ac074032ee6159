import { join } from 'node:path';
import { ReceiverProcess, spawnReceiver } from '../support/receiver.process';
import { api } from '../support/http';
import { processGone } from '../support/processes';
import { TempDirs } from '../support/temp-dirs';
import { waitFor } from '../support/wait-for';
import { becomesGone, childPid, FAST_RECEIVER_ENV, startWorker, stopWorker, trainerPid, WorkerProcess } from '../support/worker.process';

// Long sleepers with a grandchild each: they only end when the worker ends them.
const MANIFEST = `
[[jobs]]
model = "test"
mode = "shutdown"
hyper = { sleep_s = 60, spawn_child = true }
priority = 2

[[jobs]]
model = "test"
mode = "cancel"
hyper = { sleep_s = 60, spawn_child = true }
priority = 1

[[jobs]]
model = "test"
mode = "stubborn"
hyper = { sleep_s = 60, spawn_child = true, ignore_sigterm = true }
priority = 0
`;

describe('cis490-worker run: taking a running job away', () => {
  const temp = new TempDirs();
  let rx: ReceiverProcess;
  let work: string;
  let worker: WorkerProcess | undefined;
  const start = (...extra: string[]) =>
    startWorker(['run', '--receiver-url', rx.url, '--work-dir', work, '--poll-s', '1', '--kill-grace-s', '5', ...extra]);

  /** The running job of `mode`, once its trainer has started its grandchild. */
  const running = (mode: string) =>
    waitFor(`a running ${mode} job with its child`, async () => {
      const job = (await api(`${rx.url}/v1/jobs?mode=${mode}&status=running`)).jobs[0];
      return job && childPid(work, job.id) ? job : null;
    });

  beforeAll(async () => {
    rx = await spawnReceiver(MANIFEST, FAST_RECEIVER_ENV);
    work = join(temp.make('cis490-work-'), 'work');
  });
  afterEach(() => stopWorker(worker));
  afterAll(async () => {
    await rx?.close();
    temp.cleanup();
  });

  it('on SIGTERM stops the trainer group, gives the job back uncounted, and exits 0', async () => {
    worker = start();
    const job = await running('shutdown');
    const trainer = trainerPid(worker.output())!;
    const child = childPid(work, job.id)!;
    expect([processGone(trainer), processGone(child)]).toEqual([false, false]);

    worker.child.kill('SIGTERM');
    expect({ code: await worker.exited, output: worker.output() }).toMatchObject({ code: 0 });
    const after = await api(`${rx.url}/v1/job/${job.id}`);
    expect(after).toMatchObject({ status: 'pending', attempts: 0, worker_id: null });
    expect(after.events.at(-1).reason).toContain('worker shutdown');
    expect(await becomesGone(trainer)).toBe(true);
    expect(await becomesGone(child)).toBe(true);

    // Out of the way of the next test, which must get the other job.
    await api(`${rx.url}/v1/job/${job.id}/cancel`, { method: 'POST', operator: true });
  });

  it('on an operator cancel kills the trainer group and goes on (exits, with --once)', async () => {
    worker = start('--once');
    const job = await running('cancel');
    const trainer = trainerPid(worker.output())!;
    const child = childPid(work, job.id)!;
    expect([processGone(trainer), processGone(child)]).toEqual([false, false]);

    await api(`${rx.url}/v1/job/${job.id}/cancel`, { method: 'POST', operator: true });
    expect({ code: await worker.exited, output: worker.output() }).toMatchObject({ code: 0 });
    expect(worker.output()).toContain('taken away by the receiver (now cancelled)');
    expect((await api(`${rx.url}/v1/job/${job.id}`)).status).toBe('cancelled');
    expect(await becomesGone(trainer)).toBe(true);
    expect(await becomesGone(child)).toBe(true);
  });

  it('on a second SIGTERM kills the trainer group at once and exits without waiting out the grace', async () => {
    worker = start('--kill-grace-s', '60');
    const job = await running('stubborn');
    const trainer = trainerPid(worker.output())!;
    const child = childPid(work, job.id)!;

    worker.child.kill('SIGTERM');
    await waitFor('the worker to ask the trainer to stop', () => /stopping the trainer/.test(worker!.output()));
    expect(worker.child.exitCode).toBeNull();
    worker.child.kill('SIGTERM');
    expect({ code: await worker.exited, output: worker.output() }).toMatchObject({ code: 143 });
    expect(await becomesGone(trainer)).toBe(true);
    expect(await becomesGone(child)).toBe(true);
    await api(`${rx.url}/v1/job/${job.id}/cancel`, { method: 'POST', operator: true });
  });
});
