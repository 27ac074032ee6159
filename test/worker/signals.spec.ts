import { api } from '../support/http';
import { jobsToml } from '../support/manifest.fixtures';
import { processGone } from '../support/processes';
import { waitFor } from '../support/wait-for';
import {
  becomesGone,
  childPid,
  sharedReceiver,
  startWorker,
  stopWorker,
  trainerPid,
  WorkerProcess,
} from '../support/worker.process';

// Long sleepers with a grandchild each: they only end when the worker ends them.
const MANIFEST = jobsToml([
  { model: 'test', mode: 'shutdown', hyper: { sleep_s: 60, spawn_child: true }, priority: 2 },
  { model: 'test', mode: 'cancel', hyper: { sleep_s: 60, spawn_child: true }, priority: 1 },
  { model: 'test', mode: 'stubborn', hyper: { sleep_s: 60, spawn_child: true, ignore_sigterm: true }, priority: 0 },
]);

describe('cis490-worker run: taking a running job away', () => {
  const shared = sharedReceiver(MANIFEST);
  let worker: WorkerProcess | undefined;
  const start = (...extra: string[]) =>
    startWorker(['run', '--receiver-url', shared.rx.url, '--work-dir', shared.work, '--poll-s', '1', '--kill-grace-s', '5', ...extra]);

  /** The running job of `mode`, once its trainer has started its grandchild. */
  const running = (mode: string) =>
    waitFor(`a running ${mode} job with its child`, async () => {
      const job = (await api(`${shared.rx.url}/v1/jobs?mode=${mode}&status=running`)).jobs[0];
      return job && childPid(shared.work, job.id) ? job : null;
    });

  afterEach(() => stopWorker(worker));

  it('on SIGTERM stops the trainer group, gives the job back uncounted, and exits 0', async () => {
    worker = start();
    const job = await running('shutdown');
    const trainer = trainerPid(worker.output())!;
    const child = childPid(shared.work, job.id)!;
    expect([processGone(trainer), processGone(child)]).toEqual([false, false]);

    worker.child.kill('SIGTERM');
    expect({ code: await worker.exited, output: worker.output() }).toMatchObject({ code: 0 });
    const after = await api(`${shared.rx.url}/v1/job/${job.id}`);
    expect(after).toMatchObject({ status: 'pending', attempts: 0, worker_id: null });
    expect(after.events.at(-1).reason).toContain('worker shutdown');
    expect(await becomesGone(trainer)).toBe(true);
    expect(await becomesGone(child)).toBe(true);

    // Out of the way of the next test, which must get the other job.
    await api(`${shared.rx.url}/v1/job/${job.id}/cancel`, { method: 'POST', operator: true });
  });

  it('on an operator cancel kills the trainer group and goes on (exits, with --once)', async () => {
    worker = start('--once');
    const job = await running('cancel');
    const trainer = trainerPid(worker.output())!;
    const child = childPid(shared.work, job.id)!;
    expect([processGone(trainer), processGone(child)]).toEqual([false, false]);

    await api(`${shared.rx.url}/v1/job/${job.id}/cancel`, { method: 'POST', operator: true });
    expect({ code: await worker.exited, output: worker.output() }).toMatchObject({ code: 0 });
    expect(worker.output()).toContain('taken away by the receiver (now cancelled)');
    expect((await api(`${shared.rx.url}/v1/job/${job.id}`)).status).toBe('cancelled');
    expect(await becomesGone(trainer)).toBe(true);
    expect(await becomesGone(child)).toBe(true);
  });

  it('on a second SIGTERM kills the trainer group at once and exits without waiting out the grace', async () => {
    worker = start('--kill-grace-s', '60');
    const job = await running('stubborn');
    const trainer = trainerPid(worker.output())!;
    const child = childPid(shared.work, job.id)!;

    worker.child.kill('SIGTERM');
    await waitFor('the worker to ask the trainer to stop', () => /stopping the trainer/.test(worker!.output()));
    expect(worker.child.exitCode).toBeNull();
    worker.child.kill('SIGTERM');
    expect({ code: await worker.exited, output: worker.output() }).toMatchObject({ code: 143 });
    expect(await becomesGone(trainer)).toBe(true);
    expect(await becomesGone(child)).toBe(true);
    await api(`${shared.rx.url}/v1/job/${job.id}/cancel`, { method: 'POST', operator: true });
  });
});
