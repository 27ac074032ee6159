import { bundleBytes, capability, claimRequest, JobsHarness, manifestOf, startJobs } from '../../../test/support/jobs.testing';

/** SPEC §10 pipelines: a job runs after the jobs its `after` names, with their bundles as inputs. */
describe('pipelines', () => {
  let h: JobsHarness;
  beforeEach(async () => {
    h = await startJobs();
    await h.queue.reload(
      manifestOf([
        { mode: 'train', seed: 1, name: 'train', priority: 1 },
        { mode: 'train', seed: 2, name: 'train', priority: 1 },
        { model: 'mlp', mode: 'ensemble', name: 'ensemble', after: ['train'], priority: 5 },
      ]),
    );
  });
  afterEach(() => h.close());

  const claimBy = async (worker: string) => (await h.queue.claim(claimRequest(worker, capability({ hostname: worker }))));
  const complete = async (id: string, worker: string) => {
    const sha = await h.storeBundle(id, bundleBytes(`bundle of ${id}`));
    return h.queue.complete(id, { worker_id: worker, artifact_sha256: sha });
  };
  const ensemble = async () => (await h.queue.list({ mode: 'ensemble' })).jobs[0];

  it('holds a job until every job it runs after is completed, saying how far they are', async () => {
    // Higher priority, but not claimable yet: the workers get the training jobs.
    const first = (await claimBy('w1'))!;
    const second = (await claimBy('w2'))!;
    expect([first.job.mode, second.job.mode]).toEqual(['train', 'train']);
    expect(await claimBy('w3')).toBeNull();
    expect((await h.queue.get((await ensemble()).id)).pending_reason).toBe('waiting for train: 0 of 2 completed');

    await complete(first.job.id, 'w1');
    expect((await h.queue.get((await ensemble()).id)).pending_reason).toBe('waiting for train: 1 of 2 completed');
    expect(await claimBy('w3')).toBeNull();

    await complete(second.job.id, 'w2');
    const claimed = (await claimBy('w3'))!;
    expect(claimed.job).toMatchObject({ mode: 'ensemble', name: 'ensemble', after: ['train'] });
    expect(claimed.inputs.map((i) => i.job_id).sort()).toEqual([first.job.id, second.job.id].sort());
    expect(claimed.inputs[0]).toMatchObject({ name: 'train', model: 'gbt', mode: 'train', artifact_sha256: expect.any(String) });
  });

  it('blocks dependents while a dependency is failed or cancelled, until it is requeued and completes', async () => {
    const first = (await claimBy('w1'))!;
    await h.queue.fail(first.job.id, { worker_id: 'w1', error: 'exit 1', exit_code: 1 });
    const id = (await ensemble()).id;
    expect((await h.queue.get(id)).pending_reason).toBe(`blocked: train job ${first.job.id.slice(0, 12)}… failed`);
    await h.queue.requeue(first.job.id);
    expect((await h.queue.get(id)).pending_reason).toBe('waiting for train: 0 of 2 completed');
    for (const worker of ['w1', 'w2']) {
      const job = (await claimBy(worker))!;
      expect(job.job.mode).toBe('train');
      await complete(job.job.id, worker);
    }
    expect((await claimBy('w3'))!.job.id).toBe(id);
  });

  it('hands a job without dependencies no inputs', async () => {
    expect((await claimBy('w1'))!.inputs).toEqual([]);
  });
});
