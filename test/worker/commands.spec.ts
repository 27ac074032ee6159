import { hostname } from 'node:os';
import { join } from 'node:path';
import { ReceiverProcess, spawnReceiver, TRAINER } from '../support/receiver.process';
import { api } from '../support/http';
import { TempDirs } from '../support/temp-dirs';
import { runWorker } from '../support/worker.process';

const CAPABILITY_KEYS = ['arch', 'cores', 'cuda', 'git_commit', 'gpus', 'hostname', 'platform', 'ram_gib', 'torch_version', 'vram_gib'];

describe('cis490-worker capability, self-test and configuration errors', () => {
  const temp = new TempDirs();
  let rx: ReceiverProcess;
  let work: string;

  beforeAll(async () => {
    rx = await spawnReceiver('[[jobs]]\nmodel = "gbt"\nmode = "oracle"\n');
    work = join(temp.make('cis490-work-'), 'work');
  });
  afterAll(async () => {
    await rx?.close();
    temp.cleanup();
  });

  it('capability --json prints the capability object; without --json, aligned key/value lines', async () => {
    const json = await runWorker(['capability', '--json'], { CIS490_CORES: '3', CIS490_CUDA: '0' });
    expect(json.code).toBe(0);
    const capability = JSON.parse(json.output);
    expect(Object.keys(capability).sort()).toEqual(CAPABILITY_KEYS);
    expect(capability).toMatchObject({ hostname: hostname(), cores: 3, cuda: false, vram_gib: 0, gpus: [], platform: process.platform });

    const text = await runWorker(['capability'], { CIS490_CORES: '3' });
    expect(text.code).toBe(0);
    expect(text.output).toMatch(/^cores +3$/m);
    expect(text.output).toMatch(new RegExp(`^hostname +${hostname()}$`, 'm'));
  });

  it('self-test says ok for every item when all is well', async () => {
    const run = await runWorker(['self-test', '--receiver-url', rx.url, '--work-dir', work]);
    expect(run).toMatchObject({ code: 0 });
    const lines = run.output.trim().split('\n');
    expect(lines.map((l) => l.replace(/:.*/, ''))).toEqual([
      'ok   capability',
      'ok   receiver reachable',
      'ok   trainer runnable',
      'ok   work dir writable',
      'ok   zstd works',
    ]);
    expect(lines[2]).toContain(TRAINER);
  });

  it('self-test fails, and run refuses to start, when the trainer is missing', async () => {
    const env = { CIS490_TRAINER_CMD: 'node /nonexistent/train.js' };
    const test = await runWorker(['self-test', '--receiver-url', rx.url, '--work-dir', work], env);
    expect(test.code).toBe(1);
    expect(test.output).toMatch(/^FAIL trainer runnable: the script \/nonexistent\/train.js does not exist$/m);
    expect(test.output).toMatch(/^ok   receiver reachable: /m);

    const absent = await runWorker(['self-test', '--receiver-url', rx.url, '--work-dir', work], { CIS490_TRAINER_CMD: 'no-such-trainer --fast' });
    expect(absent.output).toMatch(/^FAIL trainer runnable: no-such-trainer is not an executable on PATH$/m);

    const run = await runWorker(['run', '--once', '--receiver-url', rx.url, '--work-dir', work], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('self-test FAIL trainer runnable');
    expect((await api(`${rx.url}/v1/jobs`)).counts.pending).toBe(1);
  });

  // Every variable's rules are in worker.config.spec.ts; these check the process: one line, exit 2.
  it.each([
    [{ CIS490_POLL_S: 'soon' }, ['capability'], 'CIS490_POLL_S'],
    [{ CIS490_TRAINER_CMD: 'node train.js | tee log' }, ['run'], 'CIS490_TRAINER_CMD'],
    [{ CIS490_VRAM_GIB: 'lots' }, ['self-test'], 'CIS490_VRAM_GIB'],
    [{}, ['run', '--max-jobs', '0'], '--max-jobs'],
    [{}, ['run', '--bogus'], "unknown option '--bogus'"],
  ])('bad configuration %j %j: one line naming %s, exit 2', async (env, args, name) => {
    const run = await runWorker(args, env);
    expect(run.code).toBe(2);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(name);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
