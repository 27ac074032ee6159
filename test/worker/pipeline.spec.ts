import { join } from 'node:path';
import { api } from '../support/http';
import { jobsToml } from '../support/manifest.fixtures';
import { spawnReceiver } from '../support/receiver.process';
import { FAST_RECEIVER_ENV, runWorker, TestFleet } from '../support/worker.process';

describe('cis490-worker run: a pipeline job gets the bundles of the jobs it runs after', () => {
  const fleet = new TestFleet();
  afterEach(() => fleet.stop());

  it('downloads, checks and unpacks each dependency into inputs/<job id>/ before the trainer starts', async () => {
    // Two training jobs under one name (a sweep's points share it), and a job after them that ranks first.
    const manifest = [
      '[[sweeps]]\nmodel = "gbt"\nmode = "realistic"\nname = "train"\nseed = [1, 2]\nhyper = { n_estimators = 5, max_depth = 2 }\n',
      jobsToml([{ model: 'test', mode: 'ensemble', after: ['train'], priority: 9, hyper: { read_inputs: true } }]),
    ].join('\n');
    fleet.rx = await spawnReceiver(manifest, FAST_RECEIVER_ENV);
    const work = join(fleet.temp.make('cis490-work-'), 'work');
    const run = await runWorker(['run', '--max-jobs', '3', '--receiver-url', fleet.rx.url, '--work-dir', work, '--poll-s', '1']);
    expect(run.code).toBe(0);
    const { jobs } = await api(`${fleet.rx.url}/v1/jobs`);
    const ensemble = jobs.find((j: { mode: string }) => j.mode === 'ensemble');
    const [a, b] = jobs.filter((j: { mode: string }) => j.mode === 'realistic');
    expect(jobs.map((j: { status: string }) => j.status)).toEqual(['completed', 'completed', 'completed']);
    // It ran last, for all its priority: the training jobs had to complete first.
    expect(Date.parse(ensemble.claimed_at)).toBeGreaterThanOrEqual(Math.max(Date.parse(a.finished_at), Date.parse(b.finished_at)));
    expect(ensemble.metrics.inputs).toEqual(
      [a, b].flatMap((j) => [`${j.id}/metrics.json`, `${j.id}/model.json`]).sort(),
    );
    expect(run.output).toContain(`input train (job ${a.id.slice(0, 8)}`);
  });
});
