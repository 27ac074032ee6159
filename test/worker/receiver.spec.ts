import { join } from 'node:path';
import { freePort, spawnReceiver } from '../support/receiver.process';
import { fakeBin } from '../support/fake-bin';
import { api } from '../support/http';
import { waitFor } from '../support/wait-for';
import { FAST_RECEIVER_ENV, runWorker, startWorker, TestFleet } from '../support/worker.process';

describe('cis490-worker run: the receiver and the host', () => {
  const fleet = new TestFleet();
  afterEach(() => fleet.stop());

  it('waits for a receiver that is not up yet, then works', async () => {
    const port = await freePort();
    const work = join(fleet.temp.make('cis490-work-'), 'work');
    fleet.worker = startWorker(['run', '--once', '--receiver-url', `http://127.0.0.1:${port}`, '--work-dir', work, '--poll-s', '1']);
    await waitFor('the worker to retry', () => /cannot reach receiver at .*retry \d+ in/.test(fleet.worker!.output()));
    expect(fleet.worker.child.exitCode).toBeNull();

    fleet.rx = await spawnReceiver('[[jobs]]\nmodel = "test"\nmode = "late"\n', FAST_RECEIVER_ENV, { port });
    expect({ code: await fleet.worker.exited, output: fleet.worker.output() }).toMatchObject({ code: 0 });
    expect((await api(`${fleet.rx.url}/v1/jobs`)).jobs[0]).toMatchObject({ status: 'completed', worker_id: 'test-worker' });
  });

  it('keeps the trainer running and the bundle on disk through a receiver outage, then completes', async () => {
    fleet.rx = await spawnReceiver('[[jobs]]\nmodel = "test"\nmode = "outage"\nhyper = { sleep_s = 3 }\n', FAST_RECEIVER_ENV);
    const work = join(fleet.temp.make('cis490-work-'), 'work');
    fleet.worker = startWorker(['run', '--once', '--receiver-url', fleet.rx.url, '--work-dir', work, '--poll-s', '1']);
    const running = await waitFor('the job to run', async () => (await api(`${fleet.rx!.url}/v1/jobs?status=running`)).jobs[0]);

    await fleet.rx.stop();
    await waitFor('a heartbeat to fail', () => /heartbeat failed: cannot reach receiver/.test(fleet.worker!.output()));
    await fleet.rx.restart();
    expect({ code: await fleet.worker.exited, output: fleet.worker.output() }).toMatchObject({ code: 0 });
    expect(await api(`${fleet.rx.url}/v1/job/${running.id}`)).toMatchObject({ status: 'completed', attempts: 1 });
  });

  it('never gives a CPU host a CUDA-only job; a host whose nvidia-smi reports a GPU takes it', async () => {
    fleet.rx = await spawnReceiver('[[jobs]]\nmodel = "test"\nmode = "gpu"\nmin_vram_gib = 16\n', FAST_RECEIVER_ENV);
    const dir = fleet.temp.make('cis490-work-');
    const work = join(dir, 'work');
    const cpuPath = `${fakeBin(dir, { 'nvidia-smi': 'echo "NVIDIA-SMI has failed" >&2; exit 9' })}:${process.env.PATH}`;
    const gpuPath = `${fakeBin(dir, { 'nvidia-smi': 'echo "NVIDIA GeForce RTX 3090, 24576"' })}:${process.env.PATH}`;
    const args = ['--receiver-url', fleet.rx.url, '--work-dir', work, '--poll-s', '1'];

    fleet.worker = startWorker(['run', '--once', ...args, '--worker-id', 'cpu-host'], { PATH: cpuPath });
    await waitFor('the CPU worker to find nothing', () => /no eligible job/.test(fleet.worker!.output()));
    fleet.worker.child.kill('SIGTERM');
    expect({ code: await fleet.worker.exited, output: fleet.worker.output() }).toMatchObject({ code: 0 });
    const pending = (await api(`${fleet.rx.url}/v1/jobs`)).jobs[0];
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
    expect((await api(`${fleet.rx.url}/v1/job/${pending.id}`))).toMatchObject({ status: 'completed', worker_id: 'gpu-host' });
    const { workers } = await api(`${fleet.rx.url}/v1/workers`);
    const byId = Object.fromEntries(workers.map((w: { worker_id: string }) => [w.worker_id, w]));
    expect(byId['cpu-host'].capability).toMatchObject({ cuda: false, vram_gib: 0 });
    expect(byId['gpu-host'].capability).toMatchObject({ cuda: true, vram_gib: 24 });
  });
});
