import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { api } from '../support/http';
import { jobsToml } from '../support/manifest.fixtures';
import { spawnReceiver } from '../support/receiver.process';
import { waitFor } from '../support/wait-for';
import { startWorker, TestFleet } from '../support/worker.process';

describe('cis490-worker run: an idle worker waits on the receiver (long poll)', () => {
  const fleet = new TestFleet();
  afterEach(() => fleet.stop());

  it('takes a job the moment a reload adds it, long before its poll interval', async () => {
    // Heartbeats every 30 s: the worker holds each claim that long, and polls only every 60 s.
    fleet.rx = await spawnReceiver('');
    const rx = fleet.rx;
    fleet.worker = startWorker(['run', '--receiver-url', rx.url, '--work-dir', join(fleet.temp.make('cis490-work-'), 'w'), '--poll-s', '60']);
    // Its first claim found nothing and is held: the receiver has seen it.
    await waitFor('the worker to claim', async () => (await api(`${rx.url}/v1/workers`)).workers.length === 1);

    writeFileSync(rx.manifestPath, jobsToml([{ model: 'gbt', mode: 'realistic', hyper: { n_estimators: 5, max_depth: 2 } }]));
    await api(`${rx.url}/v1/manifest/reload`, { method: 'POST', body: {}, operator: true });
    // Well before a 60 s poll could have found it.
    const job = await waitFor('the job to complete', async () => {
      const [j] = (await api(`${rx.url}/v1/jobs`)).jobs;
      return j?.status === 'completed' ? j : null;
    }, 20_000);
    expect(job).toMatchObject({ worker_id: 'test-worker', attempts: 1 });
  });

  it('polls at its interval against a receiver that answers at once (CIS490_CLAIM_WAIT_S=0)', async () => {
    fleet.rx = await spawnReceiver('');
    fleet.worker = startWorker(['run', '--receiver-url', fleet.rx.url, '--work-dir', join(fleet.temp.make('cis490-work-'), 'w'), '--poll-s', '1'], {
      CIS490_CLAIM_WAIT_S: '0',
    });
    await waitFor('the worker to poll', () => fleet.worker!.output().includes('no eligible job; polling every 1 s'));
  });
});
