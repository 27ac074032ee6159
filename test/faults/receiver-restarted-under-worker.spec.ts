import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnReceiver } from '../support/receiver.process';
import { api } from '../support/http';
import { waitFor } from '../support/wait-for';
import { startWorker, TestFleet } from '../support/worker.process';

const MANIFEST = '[[jobs]]\nmodel = "test"\nmode = "slow"\nhyper = { sleep_s = 5 }\n';
// Stale only well after the outage: the job must survive it on the worker's word, not by luck.
const RECEIVER_ENV = { CIS490_HEARTBEAT_INTERVAL_S: '1', CIS490_STALE_AFTER_S: '30', CIS490_SWEEP_INTERVAL_S: '1' };

describe('receiver restarted under a running worker', () => {
  const fleet = new TestFleet();
  afterEach(() => fleet.stop());

  it.each(['SIGKILL', 'SIGTERM'] as const)(
    'after %s the worker carries on, and the job completes with its artifact',
    async (signal) => {
      fleet.rx = await spawnReceiver(MANIFEST, RECEIVER_ENV);
      const url = fleet.rx.url;
      fleet.worker = startWorker(['run', '--once', '--receiver-url', url, '--work-dir', join(fleet.temp.make('cis490-work-'), 'work'), '--poll-s', '1']);
      await waitFor('the job to run', async () => (await api(`${url}/v1/jobs`)).jobs[0].status === 'running');

      await fleet.rx.stop(signal);
      await sleep(2000);
      expect(fleet.worker.child.exitCode).toBeNull();
      await fleet.rx.restart();
      expect(fleet.rx.url).toBe(url);

      expect(await fleet.worker.exited).toBe(0);
      const job = (await api(`${url}/v1/jobs`)).jobs[0];
      expect(job).toMatchObject({ status: 'completed', worker_id: 'test-worker', attempts: 1 });
      // The outage was noticed and waited out, not slept through.
      expect(fleet.worker.output()).toMatch(/heartbeat failed/);
      const bundle = join(fleet.rx.dataDir, 'models', 'test_slow', job.artifact_sha256, 'bundle.tar.zst');
      expect(execFileSync('sha256sum', [bundle], { encoding: 'utf8' }).split(' ')[0]).toBe(job.artifact_sha256);
      expect((await api(`${url}/v1/models`)).models).toEqual([expect.objectContaining({ sha256: job.artifact_sha256, job_id: job.id })]);
    },
  );
});
