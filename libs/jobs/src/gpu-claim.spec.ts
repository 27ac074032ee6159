import type { FreeGpu } from '@cis490/contract';
import {
  capability,
  claimRequest,
  cudaCapability,
  JobsHarness,
  manifestOf,
  startJobs,
} from '../../../test/support/jobs.testing';

/** SPEC §10 "Slots and GPUs": the claim counts free GPUs and hands out the smallest that fit. */
describe('claims with GPUs', () => {
  let h: JobsHarness;
  beforeEach(async () => {
    h = await startJobs();
  });
  afterEach(() => h.close());

  const twoGpus = cudaCapability(24, {
    hostname: 'gpu1',
    gpus: [
      { name: 'RTX 4090', vram_gib: 24 },
      { name: 'RTX 4090', vram_gib: 24 },
    ],
  });
  const free = (...gpus: [number, number][]): FreeGpu[] =>
    gpus.map(([index, vram_gib]) => ({ index, name: `GPU ${index}`, vram_gib }));

  /** The claim's answer: the job's mode and the GPU indices it was given; null when nothing is eligible. */
  async function claim(worker: string, cap = twoGpus, extra = {}) {
    const answer = await h.queue.claim(claimRequest(worker, cap, extra));
    return answer && { mode: answer.job.mode, gpus: answer.gpus };
  }

  it('gives a 2-GPU job both free GPUs, and stores them for GET /v1/workers', async () => {
    await h.queue.reload(manifestOf([{ mode: 'pair', gpus: 2 }]));
    expect(await claim('g', twoGpus, { free_gpus: free([0, 24], [1, 24]), slots: 2 })).toEqual({
      mode: 'pair',
      gpus: [0, 1],
    });
    const [worker] = await h.workers.list();
    expect(worker).toMatchObject({ slots: 2, current_jobs: [{ gpus: [0, 1] }] });
    expect(worker.current_jobs[0].job_id).toBe(worker.current_job_ids[0]);
  });

  it('does not count a GPU missing from free_gpus: a 2-GPU job waits, a 1-GPU job takes the free one', async () => {
    await h.queue.reload(manifestOf([{ mode: 'pair', gpus: 2 }, { mode: 'one', gpus: 1 }]));
    const answer = await claim('g', twoGpus, { free_gpus: free([1, 24]) });
    expect(answer).toEqual({ mode: 'one', gpus: [1] });
    expect(await claim('g', twoGpus, { free_gpus: [] })).toBeNull();
  });

  it('hands out the smallest GPUs that fit, by VRAM then index', async () => {
    await h.queue.reload(
      manifestOf([
        { mode: 'small', min_vram_gib: 20 },
        { mode: 'mid', min_vram_gib: 30 },
        { mode: 'two', gpus: 2, min_vram_gib: 10 },
      ]),
    );
    const big = cudaCapability(80, { hostname: 'gpu1' });
    const offer = free([0, 80], [1, 48], [2, 24], [3, 24]);
    expect(await claim('g', big, { free_gpus: offer })).toEqual({ mode: 'small', gpus: [2] });
    expect(await claim('g', big, { free_gpus: offer })).toEqual({ mode: 'mid', gpus: [1] });
    expect(await claim('g', big, { free_gpus: offer })).toEqual({ mode: 'two', gpus: [2, 3] });
  });

  it('needs enough GPUs with the VRAM each; the host cap applies to every GPU', async () => {
    await h.queue.reload(manifestOf([{ mode: 'two-big', gpus: 2, min_vram_gib: 40 }]));
    const big = cudaCapability(80, { hostname: 'gpu1' });
    expect(await claim('g', big, { free_gpus: free([0, 80], [1, 24]) })).toBeNull();
    h.useHosts([{ hostname: 'gpu1', vram_gib: 32 }]);
    expect(await claim('g', big, { free_gpus: free([0, 80], [1, 80]) })).toBeNull();
    h.useHosts([]);
    expect(await claim('g', big, { free_gpus: free([0, 80], [1, 80]) })).toEqual({ mode: 'two-big', gpus: [0, 1] });
  });

  it('serves a claim without free_gpus from capability.gpus, indexed in order', async () => {
    await h.queue.reload(manifestOf([{ mode: 'three', gpus: 3 }, { mode: 'pair', gpus: 2 }]));
    expect(await claim('g')).toEqual({ mode: 'pair', gpus: [0, 1] });
  });

  it('counts a CUDA capability without a GPU list as one GPU of vram_gib', async () => {
    await h.queue.reload(manifestOf([{ mode: 'pair', gpus: 2 }, { mode: 'one', min_vram_gib: 16 }]));
    expect(await claim('g', cudaCapability(24, { hostname: 'gpu1', gpus: [] }))).toEqual({ mode: 'one', gpus: [0] });
  });

  it('gives a CPU job no GPU, on a GPU worker and on a CPU worker', async () => {
    await h.queue.reload(manifestOf([{ mode: 'cpu1' }, { mode: 'cpu2' }]));
    expect(await claim('g', twoGpus, { free_gpus: [] })).toEqual({ mode: 'cpu1', gpus: [] });
    expect(await claim('c', capability({ hostname: 'lab1' }))).toEqual({ mode: 'cpu2', gpus: [] });
  });

  it('lets go of the GPUs when the job leaves its worker', async () => {
    await h.queue.reload(manifestOf([{ mode: 'one', gpus: 1 }]));
    const answer = await h.queue.claim(claimRequest('g', twoGpus));
    await h.queue.fail(answer!.job.id, { worker_id: 'g', error: 'worker shutdown', release: true });
    const row: { gpu_indices: string }[] = await h.dataSource.query(`SELECT gpu_indices FROM jobs`);
    expect(row[0].gpu_indices).toBe('[]');
    expect((await h.workers.list())[0]).toMatchObject({ slots: 1, current_jobs: [], current_job_ids: [] });
  });

  it('says why a job waits for GPUs in pending_reason', async () => {
    await h.queue.reload(manifestOf([{ mode: 'four', gpus: 4 }]));
    await claim('g');
    const [job] = (await h.queue.list({})).jobs;
    expect((await h.queue.get(job.id)).pending_reason).toBe('needs 4 GPUs and no online worker has it');
  });
});
