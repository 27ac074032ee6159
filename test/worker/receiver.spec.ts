import { join } from 'node:path';
import { freePort, ReceiverProcess, spawnReceiver } from '../support/receiver.process';
import { fakeBin } from '../support/fake-bin';
import { api } from '../support/http';
import { TempDirs } from '../support/temp-dirs';
import { waitFor } from '../support/wait-for';
import { FAST_RECEIVER_ENV, runWorker, startWorker, stopWorker, WorkerProcess } from '../support/worker.process';

describe('cis490-worker run: the receiver and the host', () => {
  const temp = new TempDirs();
  let rx: ReceiverProcess | undefined;
  let worker: WorkerProcess | undefined;

  afterEach(async () => {
    await stopWorker(worker);
    await rx?.close();
    rx = undefined;
    temp.cleanup();
  });

  it('waits for a receiver that is not up yet, then works', async () => {
    const port = await freePort();
    const work = join(temp.make('cis490-work-'), 'work');
    worker = startWorker(['run', '--once', '--receiver-url', `http://127.0.0.1:${port}`, '--work-dir', work, '--poll-s', '1']);
    await waitFor('the worker to retry', () => /cannot reach receiver at .*retry \d+ in/.test(worker!.output()));
    expect(worker.child.exitCode).toBeNull();

    rx = await spawnReceiver('[[jobs]]\nmodel = "test"\nmode = "late"\n', FAST_RECEIVER_ENV, { port });
    expect({ code: await worker.exited, output: worker.output() }).toMatchObject({ code: 0 });
    expect((await api(`${rx.url}/v1/jobs`)).jobs[0]).toMatchObject({ status: 'completed', worker_id: 'test-worker' });
  });

  it('keeps the trainer running and the bundle on disk through a receiver outage, then completes', async () => {
    rx = await spawnReceiver('[[jobs]]\nmodel = "test"\nmode = "outage"\nhyper = { sleep_s = 3 }\n', FAST_RECEIVER_ENV);
    const work = join(temp.make('cis490-work-'), 'work');
    worker = startWorker(['run', '--once', '--receiver-url', rx.url, '--work-dir', work, '--poll-s', '1']);
    const running = await waitFor('the job to run', async () => (await api(`${rx!.url}/v1/jobs?status=running`)).jobs[0]);

    await rx.stop();
    await waitFor('a heartbeat to fail', () => /heartbeat failed: cannot reach receiver/.test(worker!.output()));
    await rx.restart();
    expect({ code: await worker.exited, output: worker.output() }).toMatchObject({ code: 0 });
    expect(await api(`${rx.url}/v1/job/${running.id}`)).toMatchObject({ status: 'completed', attempts: 1 });
  });

  it('never gives a CPU host a CUDA-only job; a host whose nvidia-smi reports a GPU takes it', async () => {
    rx = await spawnReceiver('[[jobs]]\nmodel = "test"\nmode = "gpu"\nmin_vram_gib = 16\n', FAST_RECEIVER_ENV);
    const dir = temp.make('cis490-work-');
    const work = join(dir, 'work');
    const cpuPath = `${fakeBin(dir, { 'nvidia-smi': 'echo "NVIDIA-SMI has failed" >&2; exit 9' })}:${process.env.PATH}`;
    const gpuPath = `${fakeBin(dir, { 'nvidia-smi': 'echo "NVIDIA GeForce RTX 3090, 24576"' })}:${process.env.PATH}`;
    const args = ['--receiver-url', rx.url, '--work-dir', work, '--poll-s', '1'];

    worker = startWorker(['run', '--once', ...args, '--worker-id', 'cpu-host'], { PATH: cpuPath });
    await waitFor('the CPU worker to find nothing', () => /no eligible job/.test(worker!.output()));
    worker.child.kill('SIGTERM');
    expect({ code: await worker.exited, output: worker.output() }).toMatchObject({ code: 0 });
    const pending = (await api(`${rx.url}/v1/jobs`)).jobs[0];
    expect(pending).toMatchObject({ status: 'pending', attempts: 0, require_cuda: true });

    const capability = await runWorker(['capability', '--json'], { PATH: gpuPath });
    expect(capability.code).toBe(0);
    expect(JSON.parse(capability.output)).toMatchObject({
      cuda: true,
      vram_gib: 24,
      gpus: [{ name: 'NVIDIA GeForce RTX 3090', vram_gib: 24 }],
    });

    const gpu = await runWorker(['run', '--once', ...args, '--worker-id', 'gpu-host'], { PATH: gpuPath });
    expect(gpu).toMatchObject({ code: 0 });
    expect((await api(`${rx.url}/v1/job/${pending.id}`))).toMatchObject({ status: 'completed', worker_id: 'gpu-host' });
    const { workers } = await api(`${rx.url}/v1/workers`);
    const byId = Object.fromEntries(workers.map((w: { worker_id: string }) => [w.worker_id, w]));
    expect(byId['cpu-host'].capability).toMatchObject({ cuda: false, vram_gib: 0 });
    expect(byId['gpu-host'].capability).toMatchObject({ cuda: true, vram_gib: 24 });
  });
});
