import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fakeBin } from '../support/fake-bin';
import { api } from '../support/http';
import { jobsToml } from '../support/manifest.fixtures';
import { spawnReceiver } from '../support/receiver.process';
import { waitFor } from '../support/wait-for';
import { FAST_RECEIVER_ENV, startWorker, TestFleet } from '../support/worker.process';

/** A host with three GPUs, as nvidia-smi lists them with their indices. */
const THREE_GPUS = 'printf "0, RTX 4090, 24564\\n1, RTX 4090, 24564\\n2, RTX 4090, 24564\\n"';

interface TrainerRecord {
  job_id: string;
  cuda_visible_devices: string | null;
  cis490_gpus: string | null;
  at: number;
}

/** SPEC §10 "Slots and GPUs": one worker, several jobs at once, each on its own GPUs. */
describe('cis490-worker run with slots', () => {
  const fleet = new TestFleet();
  afterEach(() => fleet.stop());

  /** A receiver on `jobs`, and a worker on a three-GPU host (nvidia-smi answering as `nvidiaSmi`) with `args`. */
  async function start(jobs: Record<string, unknown>[], ...args: string[]) {
    return startOn(THREE_GPUS, jobs, ...args);
  }

  async function startOn(nvidiaSmi: string, jobs: Record<string, unknown>[], ...args: string[]) {
    const records = fleet.temp.make('cis490-records-');
    const manifest = jobsToml(jobs.map((job) => ({ ...job, hyper: { ...(job.hyper as object), record_dir: records } })));
    fleet.rx = await spawnReceiver(manifest, FAST_RECEIVER_ENV);
    const bin = fakeBin(fleet.temp.make('cis490-host-'), { 'nvidia-smi': nvidiaSmi, python3: 'exit 1' });
    const work = join(fleet.temp.make('cis490-work-'), 'work');
    fleet.worker = startWorker(
      ['run', '--receiver-url', fleet.rx.url, '--work-dir', work, '--poll-s', '0.2', '--claim-wait-s', '1', ...args],
      { PATH: `${bin}:${process.env.PATH}` },
    );
    return records;
  }

  const read = (dir: string, stage: 'start' | 'end'): Map<string, TrainerRecord> =>
    new Map(
      readdirSync(dir)
        .filter((f) => f.endsWith(`.${stage}.json`))
        .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as TrainerRecord)
        .map((r) => [r.job_id, r]),
    );

  it('runs up to --slots jobs at once, never two on one GPU, and CPU jobs with no GPU visible', async () => {
    const sleeper = (mode: string, extra: object) => ({ model: 'test', mode, hyper: { sleep_s: 1 }, ...extra });
    const records = await start(
      [
        sleeper('pair', { gpus: 2 }),
        sleeper('one-a', { gpus: 1 }),
        sleeper('one-b', { gpus: 1 }),
        sleeper('one-c', { gpus: 1 }),
        sleeper('cpu-a', {}),
        sleeper('cpu-b', {}),
      ],
      '--slots',
      '2',
      '--max-jobs',
      '6',
    );
    const seen = await waitFor('the worker listed with its slots and a job', async () => {
      const [worker] = (await api(`${fleet.rx!.url}/v1/workers`)).workers;
      return worker?.current_jobs.length ? worker : null;
    });
    expect(seen.slots).toBe(2);
    expect(await fleet.worker!.exited).toBe(0);

    const jobs: { id: string; mode: string; status: string; gpus: number }[] = (
      await api(`${fleet.rx!.url}/v1/jobs`)
    ).jobs;
    expect(jobs.map((j) => j.status)).toEqual(Array(6).fill('completed'));
    const starts = read(records, 'start');
    const ends = read(records, 'end');
    const runs = jobs.map((job) => {
      const start = starts.get(job.id)!;
      const gpus = start.cuda_visible_devices === '' ? [] : start.cuda_visible_devices!.split(',').map(Number);
      expect(start.cis490_gpus).toBe(start.cuda_visible_devices);
      expect(gpus).toHaveLength(job.gpus);
      for (const gpu of gpus) expect([0, 1, 2]).toContain(gpu);
      return { mode: job.mode, gpus, from: start.at, to: ends.get(job.id)!.at };
    });
    // A CPU job is given no GPU: CUDA_VISIBLE_DEVICES is set, and empty.
    expect(runs.filter((r) => r.mode.startsWith('cpu')).map((r) => r.gpus)).toEqual([[], []]);
    for (const a of runs) {
      const overlapping = runs.filter((b) => b.from < a.to && a.from < b.to);
      // Each run overlaps itself, so this is the number of jobs at once while `a` ran.
      expect(overlapping.length).toBeLessThanOrEqual(2);
      for (const b of overlapping) if (b !== a) expect(a.gpus.filter((g) => b.gpus.includes(g))).toEqual([]);
    }
    expect(Math.max(...runs.map((a) => runs.filter((b) => b.from < a.to && a.from < b.to).length))).toBe(2);
  });

  it('with slots auto runs one job per GPU, and on SIGTERM gives every running job back', async () => {
    const records = await start(
      ['a', 'b', 'c', 'd'].map((mode) => ({ model: 'test', mode, gpus: 1, hyper: { sleep_s: 60 } })),
    );
    const running = await waitFor('three running jobs', async () => {
      const page = await api(`${fleet.rx!.url}/v1/jobs?status=running`);
      return page.jobs.length === 3 && existsSync(records) && read(records, 'start').size === 3 ? page.jobs : null;
    });
    const gpus = [...read(records, 'start').values()].map((r) => r.cuda_visible_devices).sort();
    expect(gpus).toEqual(['0', '1', '2']);
    const [worker] = (await api(`${fleet.rx!.url}/v1/workers`)).workers;
    expect(worker.slots).toBe(3);
    expect(worker.current_jobs.map((j: { gpus: number[] }) => j.gpus[0]).sort()).toEqual([0, 1, 2]);

    fleet.worker!.child.kill('SIGTERM');
    expect(await fleet.worker!.exited).toBe(0);
    const after = await api(`${fleet.rx!.url}/v1/jobs`);
    expect(after.counts).toMatchObject({ pending: 4, running: 0, claimed: 0 });
    for (const job of running) {
      expect(await api(`${fleet.rx!.url}/v1/job/${job.id}`)).toMatchObject({ status: 'pending', attempts: 0 });
    }
  });

  it('does not offer a GPU that other processes use, until they free it', async () => {
    // nvidia-smi answers the memory query from a file the test writes, and counts the queries.
    const host = fleet.temp.make('cis490-smi-');
    const used = join(host, 'used.csv');
    const asked = join(host, 'asked');
    writeFileSync(used, '0, 20000\n1, 3\n2, 3\n');
    const nvidiaSmi = `case "$*" in *memory.used*) echo >> '${asked}'; cat '${used}' ;; *) ${THREE_GPUS} ;; esac`;
    const queries = () => (existsSync(asked) ? readFileSync(asked, 'utf8').length : 0);
    const records = await startOn(
      nvidiaSmi,
      [
        { model: 'test', mode: 'one', gpus: 1 },
        { model: 'test', mode: 'all', gpus: 3 },
      ],
      '--max-jobs',
      '2',
    );
    const jobs = async (): Promise<{ id: string; mode: string; status: string }[]> => (await api(`${fleet.rx!.url}/v1/jobs`)).jobs;
    const one = await waitFor('the one-GPU job completed', async () => (await jobs()).find((j) => j.mode === 'one' && j.status === 'completed'));
    // Two more claims (each asks nvidia-smi first) while GPU 0 is busy: the three-GPU job still waits.
    const after = queries();
    await waitFor('two more claims', async () => queries() >= after + 2);
    expect((await jobs()).find((j) => j.mode === 'all')!.status).toBe('pending');
    expect(read(records, 'start').get(one.id)!.cuda_visible_devices).toBe('1');
    expect(fleet.worker!.output()).toContain('GPU 0 (20000 MiB) in use by other processes (over 1024 MiB): not offered');

    writeFileSync(used, '0, 500\n1, 3\n2, 3\n');
    expect(await fleet.worker!.exited).toBe(0);
    const all = (await jobs()).find((j) => j.mode === 'all')!;
    expect(all.status).toBe('completed');
    expect(read(records, 'start').get(all.id)!.cuda_visible_devices).toBe('0,1,2');
  });
});
