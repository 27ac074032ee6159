import { ConfigService } from '@nestjs/config';
import { existsSync } from 'node:fs';
import { ConfigError } from '../../apps/worker/src/worker.config';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { fakeBin } from '../support/fake-bin';
import { InProcessOptions, runInProcess } from '../support/in-process-command';
import { TempDirs } from '../support/temp-dirs';

const TWO_GPUS = 'printf "NVIDIA GeForce RTX 3090, 24576\\nNVIDIA A100-SXM4-80GB, 81920\\n"';

// The command's logic in this process, its services real: the host's boundary is nvidia-smi on PATH.
describe('cis490-worker capability, in process', () => {
  const temp = new TempDirs();
  const saved = { ...process.env };

  /** The worker's environment for one test: PATH with the fake nvidia-smi first, and the given variables. */
  const host = (nvidiaSmi: string, variables: Record<string, string> = {}) => {
    const bin = fakeBin(temp.make('cis490-host-'), { 'nvidia-smi': nvidiaSmi, python3: 'exit 1' });
    for (const name of Object.keys(process.env)) if (name.startsWith('CIS490_')) delete process.env[name];
    Object.assign(process.env, { PATH: `${bin}:${saved.PATH}` }, variables);
  };

  afterEach(() => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
    temp.cleanup();
  });

  it('--json prints what the probes found: every GPU, the largest as vram_gib', async () => {
    host(TWO_GPUS);
    const run = await runInProcess(WorkerModule, ['capability', '--json']);
    expect(run.failure).toBeUndefined();
    expect(JSON.parse(run.stdout)).toMatchObject({
      cuda: true,
      vram_gib: 80,
      gpus: [
        { name: 'NVIDIA GeForce RTX 3090', vram_gib: 24 },
        { name: 'NVIDIA A100-SXM4-80GB', vram_gib: 80 },
      ],
      torch_version: null,
    });
  });

  it('without --json: one aligned line per field; the operator overrides apply', async () => {
    host(TWO_GPUS, { CIS490_VRAM_GIB: '40', CIS490_CORES: '3' });
    const run = await runInProcess(WorkerModule, ['capability']);
    expect(run.failure).toBeUndefined();
    expect(run.stdout).toMatch(/^cuda +yes$/m);
    expect(run.stdout).toMatch(/^vram_gib +40$/m);
    expect(run.stdout).toMatch(/^cores +3$/m);
    expect(run.stdout).toMatch(/^gpus +0: NVIDIA GeForce RTX 3090 \(24 GiB\), 1: NVIDIA A100-SXM4-80GB \(80 GiB\)$/m);
  });

  it('shows each GPU with the index nvidia-smi gives it', async () => {
    host('[ "$1" = "--query-gpu=index,name,memory.total" ] && printf "0, RTX 3090, 24576\\n2, RTX 4090, 24564\\n"');
    const run = await runInProcess(WorkerModule, ['capability']);
    expect(run.failure).toBeUndefined();
    expect(run.stdout).toMatch(/^gpus +0: RTX 3090 \(24 GiB\), 2: RTX 4090 \(24 GiB\)$/m);
  });

  it('CIS490_CUDA=0 hides the GPUs nvidia-smi reports', async () => {
    host(TWO_GPUS, { CIS490_CUDA: '0' });
    const run = await runInProcess(WorkerModule, ['capability', '--json']);
    expect(JSON.parse(run.stdout)).toMatchObject({ cuda: false, vram_gib: 0, gpus: [] });
  });

  it('a failing nvidia-smi means no CUDA', async () => {
    host(`${TWO_GPUS}; exit 9`);
    const run = await runInProcess(WorkerModule, ['capability', '--json']);
    expect(JSON.parse(run.stdout)).toMatchObject({ cuda: false, vram_gib: 0, gpus: [] });
  });

  it('an invalid override is a ConfigError (exit 2 in main) before any probe runs', async () => {
    const ran = `${temp.make('cis490-ran-')}/nvidia-smi-ran`;
    host(`touch "${ran}"; ${TWO_GPUS}`, { CIS490_VRAM_GIB: 'lots' });
    const run = await runInProcess(WorkerModule, ['capability', '--json']);
    expect(run.failure).toBeInstanceOf(ConfigError);
    expect((run.failure as Error).message).toBe('CIS490_VRAM_GIB must be a number of GiB >= 0, got "lots"');
    expect(existsSync(ran)).toBe(false);
    expect(run.stdout).toBe('');
  });

  it('reads its settings through ConfigService: a bad one is a ConfigError naming it, and its flag wins over it', async () => {
    host(TWO_GPUS);
    const withVariables = (variables: Record<string, string>): InProcessOptions => ({
      override: (builder) => builder.overrideProvider(ConfigService).useValue(new ConfigService(variables)),
    });

    const bad = await runInProcess(WorkerModule, ['capability', '--json'], withVariables({ CIS490_POLL_S: 'soon' }));
    expect(bad.failure).toBeInstanceOf(ConfigError);
    expect((bad.failure as Error).message).toBe('CIS490_POLL_S must be a number of seconds >= 0.1, got "soon"');
    expect(bad.stdout).toBe('');

    const overridden = await runInProcess(WorkerModule, ['capability', '--json', '--poll-s', '2'], withVariables({ CIS490_POLL_S: 'soon' }));
    expect(overridden.failure).toBeUndefined();
    expect(JSON.parse(overridden.stdout)).toMatchObject({ cuda: true });
  });
});
