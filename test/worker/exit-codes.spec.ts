import { join } from 'node:path';
import { api } from '../support/http';
import { jobsToml } from '../support/manifest.fixtures';
import { spawnReceiver } from '../support/receiver.process';
import { FAST_RECEIVER_ENV, runWorker, TestFleet } from '../support/worker.process';

describe('cis490-worker run: how a trainer ended is reported', () => {
  const fleet = new TestFleet();
  afterEach(() => fleet.stop());

  it('reports a trainer killed by a signal with exit code 128 + its number (SIGKILL: 137)', async () => {
    fleet.rx = await spawnReceiver(jobsToml([{ model: 'test', mode: 'oom', hyper: { kill_signal: 'SIGKILL' }, max_attempts: 1 }]), FAST_RECEIVER_ENV);
    const work = join(fleet.temp.make('cis490-work-'), 'work');
    const run = await runWorker(['run', '--once', '--receiver-url', fleet.rx.url, '--work-dir', work, '--poll-s', '1']);
    expect(run.code).toBe(0);
    const [job] = (await api(`${fleet.rx.url}/v1/jobs`)).jobs;
    expect(job).toMatchObject({ status: 'failed', exit_code: 137 });
    expect(job.error).toMatch(/^killed by SIGKILL/);
  });
});
