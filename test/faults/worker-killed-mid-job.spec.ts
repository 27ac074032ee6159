import { join } from 'node:path';
import { ReceiverProcess, spawnReceiver } from '../support/receiver.process';
import { api } from '../support/http';
import { processGone } from '../support/processes';
import { TempDirs } from '../support/temp-dirs';
import { waitFor } from '../support/wait-for';
import { runWorker, startWorker, stopWorker, trainerPid, WorkerProcess } from '../support/worker.process';
import { killGroup } from './faults.support';

const MANIFEST = '[[jobs]]\nmodel = "test"\nmode = "sleepy"\nhyper = { sleep_s = 4 }\n';
const RECEIVER_ENV = { CIS490_STALE_AFTER_S: '2', CIS490_SWEEP_INTERVAL_S: '1', CIS490_HEARTBEAT_INTERVAL_S: '1' };

describe('worker SIGKILLed in the middle of a job', () => {
  const temp = new TempDirs();
  let rx: ReceiverProcess | undefined;
  let workerA: WorkerProcess | undefined;
  let orphan: number | null = null;

  afterEach(async () => {
    await stopWorker(workerA);
    killGroup(orphan);
    await rx?.close();
    temp.cleanup();
  });

  it('is requeued by the sweep, naming the silent worker, and another worker completes it', async () => {
    rx = await spawnReceiver(MANIFEST, RECEIVER_ENV);
    const url = rx.url;
    const workArgs = (name: string) => ['--receiver-url', url, '--work-dir', join(temp.make(`cis490-${name}-`), 'work'), '--poll-s', '1'];
    const jobOf = async () => (await api(`${url}/v1/jobs`)).jobs[0];

    workerA = startWorker(['run', '--once', ...workArgs('a')], { CIS490_WORKER_ID: 'worker-a' });
    const running = await waitFor('worker A to run the job', async () => {
      const job = await jobOf();
      return job.status === 'running' && trainerPid(workerA!.output()) !== null ? job : null;
    });
    expect(running).toMatchObject({ worker_id: 'worker-a', attempts: 1 });

    orphan = trainerPid(workerA.output());
    workerA.child.kill('SIGKILL');
    expect(await workerA.exited).toBeNull();
    // Nothing outlives SIGKILL to clean up: the trainer, in its own process group, trains on
    // as an orphan, as it would on a real host. Its output is of no use to anyone now.
    killGroup(orphan);
    await waitFor('the orphaned trainer to end', () => processGone(orphan!));

    const requeued = await waitFor('the sweep to requeue the job', async () => {
      const job = await jobOf();
      return job.status === 'pending' ? job : null;
    });
    expect(requeued).toMatchObject({ attempts: 1, worker_id: null });
    expect(requeued.error).toMatch(/^worker worker-a went silent: no heartbeat for \d+ s \(stale after 2 s\)$/);
    const detail = await api(`${url}/v1/job/${requeued.id}`);
    expect(detail.events.map((e: { from: string | null; to: string }) => `${e.from}→${e.to}`)).toEqual(
      expect.arrayContaining(['pending→claimed', 'claimed→running', 'running→pending']),
    );

    const workerB = await runWorker(['run', '--once', ...workArgs('b')], { CIS490_WORKER_ID: 'worker-b' });
    expect(workerB.code).toBe(0);
    const done = await jobOf();
    expect(done).toMatchObject({ status: 'completed', worker_id: 'worker-b', attempts: 2, error: null });
    expect(done.artifact_sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
