import { DRIVERS } from '../support/postgres';
import { claimBody, gpuCapability, Harness, startReceiver } from '../support/receiver.harness';

const MANIFEST = `
[[jobs]]
model = "transformer"
mode = "pair"
gpus = 2
min_vram_gib = 16

[[jobs]]
model = "transformer"
mode = "one"
min_vram_gib = 16

[[jobs]]
model = "gbt"
mode = "cpu"
`;

/** SPEC §10 "Slots and GPUs" over HTTP: free_gpus and slots in, gpus out, shown by GET /v1/workers. */
describe.each(DRIVERS)('receiver GPU-aware claims on %s', (driver) => {
  const start = (manifest: string, env: Record<string, string> = {}) => startReceiver(manifest, env, driver);
  let h: Harness;
  const inject = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    h.app.inject({ method, url, payload: payload as object });
  const gpu = gpuCapability(24, {
    hostname: 'gpu1',
    gpus: [0, 1, 2].map(() => ({ name: 'RTX 4090', vram_gib: 24 })),
  });
  const free = (...indices: number[]) => indices.map((index) => ({ index, name: 'RTX 4090', vram_gib: 24 }));

  beforeEach(async () => {
    h = await start(MANIFEST);
  });
  afterEach(() => h.close());

  it('hands out GPUs from free_gpus, and lists each job with its GPUs and the worker with its slots', async () => {
    const pair = await inject('POST', '/v1/job/claim', claimBody('gpu1', { capability: gpu, free_gpus: free(0, 2), slots: 3 }));
    expect(pair.statusCode).toBe(200);
    expect(pair.json()).toMatchObject({ job: { mode: 'pair', gpus: 2 }, gpus: [0, 2] });
    // GPU 1 alone is free: the 2-GPU job is gone, the 1-GPU job fits.
    const one = await inject('POST', '/v1/job/claim', claimBody('gpu1', { capability: gpu, free_gpus: free(1), slots: 3 }));
    expect(one.json()).toMatchObject({ job: { mode: 'one' }, gpus: [1] });
    const cpu = await inject('POST', '/v1/job/claim', claimBody('gpu1', { capability: gpu, free_gpus: [], slots: 3 }));
    expect(cpu.json()).toMatchObject({ job: { mode: 'cpu', gpus: 0 }, gpus: [] });

    const [worker] = (await inject('GET', '/v1/workers')).json().workers;
    expect(worker).toMatchObject({
      slots: 3,
      current_jobs: [
        { job_id: pair.json().job.id, gpus: [0, 2] },
        { job_id: one.json().job.id, gpus: [1] },
        { job_id: cpu.json().job.id, gpus: [] },
      ],
    });
  });

  it('serves a claim without free_gpus from capability.gpus (a worker of Part I)', async () => {
    const answer = await inject('POST', '/v1/job/claim', claimBody('gpu1', { capability: gpu }));
    expect(answer.json()).toMatchObject({ job: { mode: 'pair' }, gpus: [0, 1] });
    const [worker] = (await inject('GET', '/v1/workers')).json().workers;
    expect(worker.slots).toBe(1);
  });

  it.each([
    ['a negative index', { free_gpus: [{ index: -1, name: 'x', vram_gib: 24 }] }, 'index'],
    ['a fractional index', { free_gpus: [{ index: 0.5, name: 'x', vram_gib: 24 }] }, 'index'],
    ['an index twice', { free_gpus: [...free(0), ...free(0)] }, 'distinct indices'],
    ['65 GPUs', { free_gpus: Array.from({ length: 65 }, (_, index) => ({ index, name: 'x', vram_gib: 1 })) }, 'free_gpus'],
    ['a GPU without VRAM', { free_gpus: [{ index: 0, name: 'x' }] }, 'vram_gib'],
    ['0 slots', { slots: 0 }, 'slots'],
    ['slots not a number', { slots: 'two' }, 'slots'],
  ])('answers 400 for %s', async (_label, extra, named) => {
    const answer = await inject('POST', '/v1/job/claim', claimBody('gpu1', { capability: gpu, ...extra }));
    expect(answer.statusCode).toBe(400);
    expect(JSON.stringify(answer.json().message)).toContain(named);
  });
});
