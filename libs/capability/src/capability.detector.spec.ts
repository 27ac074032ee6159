import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fakeBin } from '../../../test/support/fake-bin';
import { processGone } from '../../../test/support/processes';
import { detectCapability } from './capability.detector';

// The probes' boundary is the commands on PATH: each test gets a bin dir of fake ones.
const describePosix = process.platform === 'win32' ? describe.skip : describe;

const TWO_GPUS = 'printf "NVIDIA GeForce RTX 3090, 24576\\nNVIDIA A100-SXM4-80GB, 81920\\n"';

describePosix('detectCapability', () => {
  let tmp: string;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cis490-capability-'));
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** A PATH with a bin dir of the given fake commands (shell bodies) first. */
  function fakePath(commands: Record<string, string>, rest = '/usr/bin:/bin'): string {
    const bin = fakeBin(tmp, commands);
    return rest ? `${bin}:${rest}` : bin;
  }

  it('reports the GPUs of nvidia-smi, the largest as vram_gib, and the torch version', async () => {
    const PATH = fakePath({ 'nvidia-smi': TWO_GPUS, python3: 'echo "some warning"; echo 2.5.1+cu124' });
    const cap = await detectCapability({ env: { PATH } });
    expect(cap).toMatchObject({
      hostname: os.hostname(),
      cores: os.availableParallelism(),
      cuda: true,
      vram_gib: 80,
      gpus: [
        { name: 'NVIDIA GeForce RTX 3090', vram_gib: 24 },
        { name: 'NVIDIA A100-SXM4-80GB', vram_gib: 80 },
      ],
      torch_version: '2.5.1+cu124',
      git_commit: null,
      platform: process.platform,
      arch: process.arch,
    });
    expect(cap.ram_gib).toBe(Math.round((os.totalmem() / 1024 ** 3) * 10) / 10);
  });

  it('treats a failing nvidia-smi as no CUDA, whatever it printed', async () => {
    const PATH = fakePath({ 'nvidia-smi': `${TWO_GPUS}; exit 9`, python3: 'exit 1' });
    const cap = await detectCapability({ env: { PATH } });
    expect(cap).toMatchObject({ cuda: false, vram_gib: 0, gpus: [], torch_version: null });
  });

  it('treats unparsable output as no CUDA', async () => {
    const PATH = fakePath({ 'nvidia-smi': 'echo "No devices were found"', python3: 'exit 1' });
    expect(await detectCapability({ env: { PATH } })).toMatchObject({ cuda: false, vram_gib: 0, gpus: [] });
  });

  it('gives up on a hanging nvidia-smi at the timeout and kills it', async () => {
    const pidFile = path.join(tmp, 'sleep.pid');
    const PATH = fakePath({ 'nvidia-smi': `sleep 30 &\necho $! > "${pidFile}"\nwait`, python3: 'exit 1' });
    const started = Date.now();
    const cap = await detectCapability({ env: { PATH }, probeTimeoutMs: 1500 });
    // Far below the fake's 30 s: the probe did not wait for it.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(cap).toMatchObject({ cuda: false, vram_gib: 0, gpus: [] });
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    expect(await exitsSoon(pid)).toBe(true);
  });

  it('treats a PATH without nvidia-smi or python3 as no CUDA and no torch', async () => {
    const PATH = fakePath({}, '');
    expect(await detectCapability({ env: { PATH } })).toMatchObject({
      cuda: false,
      vram_gib: 0,
      gpus: [],
      torch_version: null,
    });
  });

  it('applies overrides; CIS490_CUDA=0 does not even run nvidia-smi', async () => {
    const ran = path.join(tmp, 'ran');
    const PATH = fakePath({ 'nvidia-smi': `touch "${ran}"; ${TWO_GPUS}`, python3: 'exit 1' });
    const cap = await detectCapability({
      env: { PATH, CIS490_CUDA: '0', CIS490_CORES: '3', CIS490_RAM_GIB: '7.5' },
    });
    expect(cap).toMatchObject({ cuda: false, vram_gib: 0, gpus: [], cores: 3, ram_gib: 7.5 });
    expect(fs.existsSync(ran)).toBe(false);

    const capped = await detectCapability({ env: { PATH, CIS490_VRAM_GIB: '40' } });
    expect(capped).toMatchObject({ cuda: true, vram_gib: 40 });
    expect(capped.gpus).toHaveLength(2);
  });

  it('rejects an invalid override before probing, naming the variable', async () => {
    const ran = path.join(tmp, 'ran');
    const PATH = fakePath({ 'nvidia-smi': `touch "${ran}"` });
    await expect(detectCapability({ env: { PATH, CIS490_VRAM_GIB: 'lots' } })).rejects.toThrow(
      'CIS490_VRAM_GIB must be a number of GiB >= 0, got "lots"',
    );
    expect(fs.existsSync(ran)).toBe(false);
  });

  it("reports the trainer checkout's commit, and null outside a repository", async () => {
    const repo = path.join(tmp, 'trainer');
    fs.mkdirSync(repo);
    const git = (...args: string[]): string =>
      execFileSync('git', ['-c', 'user.name=x', '-c', 'user.email=x@y', '-c', 'commit.gpgsign=false', ...args], {
        cwd: repo,
        encoding: 'utf8',
      }).trim();
    git('init', '-q');
    git('commit', '-q', '--allow-empty', '-m', 'init');
    const head = git('rev-parse', 'HEAD');

    const notRepo = path.join(tmp, 'plain');
    fs.mkdirSync(notRepo);
    // Ceiling at tmp: the plain dir must not resolve to some repository above it.
    const env = { PATH: fakePath({ 'nvidia-smi': 'exit 1', python3: 'exit 1' }), GIT_CEILING_DIRECTORIES: tmp };

    expect((await detectCapability({ env, trainerDir: repo })).git_commit).toBe(head);
    expect((await detectCapability({ env, trainerDir: notRepo })).git_commit).toBeNull();
    expect((await detectCapability({ env })).git_commit).toBeNull();
  });
});

/** Whether the process is gone (or a zombie awaiting its reaper) within a few seconds. */
async function exitsSoon(pid: number): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if (processGone(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

