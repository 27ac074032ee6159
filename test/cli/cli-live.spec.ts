import type { JobView, ResultsView } from '@cis490/contract';
import { jobLog, ReceiverClient, ReceiverUnreachableError } from '@cis490/client';
import { describeFailure, EXIT } from '../../apps/cli/src/cli.errors';
import { CliModule } from '../../apps/cli/src/cli.module';
import { CliProgram } from '../../apps/cli/src/cli.program';
import { sha256, zstd } from '../support/bundles';
import { spawnCli } from '../support/cli-process';
import { api, call, claimOne, putBundle } from '../support/http';
import { runInProcess } from '../support/in-process-command';
import { jobsToml } from '../support/manifest.fixtures';
import { ReceiverProcess, spawnReceiver } from '../support/receiver.process';
import { cli, STACK_TRACE } from './cli.support';

/** Three gbt jobs to rank (claimed first: priority), then jobs whose logs are read and followed. */
const MANIFEST = jobsToml([
  { model: 'gbt', mode: 'realistic', seed: 1, hyper: { depth: 2, lr: 0.1 }, priority: 10 },
  { model: 'gbt', mode: 'realistic', seed: 2, hyper: { depth: 4, lr: 0.1 }, priority: 10 },
  { model: 'gbt', mode: 'oracle', seed: 3, hyper: { depth: 8, lr: 0.05 }, priority: 10 },
  ...[1, 2, 3, 4, 5, 6].map((seed) => ({ model: 'mlp', mode: 'realistic', seed })),
]);

/** Text with characters of 2, 3 and 4 bytes and no final newline: printed exactly as it is. */
const LOG = 'epoch 1: loss 0.41 (naïve)\r\nwarn: 学习率 too high 🔥\n\tdone';

// `logs`, `watch` and `results` against a real receiver; the fake worker is this test, over HTTP.
describe('cis490-jobs logs, watch and results', () => {
  let rx: ReceiverProcess;
  const env = () => ({ CIS490_RECEIVER_URL: rx.url });

  const appendLog = async (job: JobView, offset: number, text: string, worker = 'lab1') => {
    const r = await call(rx.url, 'POST', `/v1/job/${job.id}/log`, { worker_id: worker, offset, text });
    if (r.status !== 200) throw new Error(`log → ${r.status}: ${JSON.stringify(r.json)}`);
    return r.json.size as number;
  };
  const fail = (job: JobView, worker = 'lab1') =>
    api(`${rx.url}/v1/job/${job.id}/fail`, { method: 'POST', body: { worker_id: worker, error: 'boom', retryable: false } });
  const complete = async (job: JobView, metrics: Record<string, unknown>) => {
    const bundle = zstd(`weights of ${job.id}`);
    expect((await putBundle(rx.url, job.id, 'lab1', bundle)).status).toBe(201);
    await api(`${rx.url}/v1/job/${job.id}/complete`, {
      method: 'POST',
      body: { worker_id: 'lab1', artifact_sha256: sha256(bundle), metrics },
    });
  };
  const inProcess = async (args: string[]) => {
    const run = await runInProcess(CliModule, ['--receiver', rx.url, ...args], {
      prepare: (app) => app.get(CliProgram).configure(),
    });
    const { exitCode, lines } = run.failure === undefined ? { exitCode: EXIT.ok, lines: [] } : describeFailure(run.failure);
    return { stdout: run.stdout, exitCode, lines };
  };

  let ranked: JobView[];

  beforeAll(async () => {
    rx = await spawnReceiver(MANIFEST);
    const [a, b, c] = [await claimOne(rx.url, 'lab1'), await claimOne(rx.url, 'lab1'), await claimOne(rx.url, 'lab1')];
    await complete(a, { accuracy: 0.81, loss: 0.52 });
    await complete(b, { accuracy: 0.93, loss: 0.2, note: 'best' });
    await complete(c, { loss: 0.9 }); // no accuracy: last whatever the order
    ranked = [b, a, c];
  });

  afterAll(async () => {
    await rx?.close();
  });

  describe('results', () => {
    it('ranks by the metric asked for, the ranked one first, then the others and the hyper values as columns', async () => {
      const r = await inProcess(['results', 'gbt', '--metric', 'accuracy']);
      expect(r.exitCode).toBe(EXIT.ok);
      const [title, head, ...rows] = r.stdout.trimEnd().split('\n');
      expect(title).toBe('gbt: 3 completed jobs ranked by accuracy, highest first');
      expect(head).toMatch(/^#\s+JOB\s+MODE\s+SEED\s+accuracy ↓\s+loss\s+depth\s+lr\s+FINISHED$/);
      expect(rows.map((l) => l.split(/\s+/).slice(0, 8))).toEqual([
        ['1', ranked[0].id.slice(0, 12), 'realistic', '2', '0.93', '0.2', '4', '0.1'],
        ['2', ranked[1].id.slice(0, 12), 'realistic', '1', '0.81', '0.52', '2', '0.1'],
        ['3', ranked[2].id.slice(0, 12), 'oracle', '3', '-', '0.9', '8', '0.05'],
      ]);
      expect(rows[0]).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);

      const lowest = await inProcess(['results', 'gbt', '--metric', 'loss', '--asc', '--mode', 'realistic']);
      const ids = lowest.stdout.split('\n').slice(2).filter(Boolean).map((l) => l.split(/\s+/)[1]);
      expect(ids).toEqual([ranked[0].id.slice(0, 12), ranked[1].id.slice(0, 12)]);
      expect(lowest.stdout.split('\n')[0]).toBe('gbt/realistic: 2 completed jobs ranked by loss, lowest first');
    });

    it('--json prints the receiver\'s answer; no completed job is an empty board, not an error', async () => {
      const asked = await inProcess(['results', 'gbt', '--asc', '--limit', '2', '--json']);
      const answer: ResultsView = await api(`${rx.url}/v1/results?model=gbt&order=asc&limit=2`);
      expect(JSON.parse(asked.stdout)).toEqual(answer);
      expect(answer.results).toHaveLength(2);

      expect(await inProcess(['results', 'mlp'])).toEqual({ stdout: 'no completed jobs of mlp yet\n', exitCode: EXIT.ok, lines: [] });
      const bad = await inProcess(['results', 'gbt', '--limit', '5000']);
      expect(bad.exitCode).toBe(EXIT.usage);
    });
  });

  describe('logs', () => {
    it('prints the exact bytes of the log; an unknown job or attempt is the receiver refusing (exit 1)', async () => {
      const job = await claimOne(rx.url, 'lab1');
      await appendLog(job, 0, LOG.slice(0, 20));
      await appendLog(job, Buffer.byteLength(LOG.slice(0, 20)), LOG.slice(20));

      const [whole, unknown, noAttempt, json] = await Promise.all([
        cli(['logs', job.id.slice(0, 10)], env()),
        cli(['logs', 'deadbeefdeadbeef'], env()),
        cli(['logs', '--attempt', '2', job.id], env()),
        cli(['logs', '--json', job.id], env()),
      ]);
      expect(whole).toEqual({ code: 0, stdout: LOG, stderr: '' });

      expect(unknown.code).toBe(EXIT.refused);
      expect(unknown.stderr).toMatch(/^cis490-jobs: 404 Not Found: .*deadbeefdeadbeef.*\n$/);
      expect(noAttempt.code).toBe(EXIT.refused);
      expect(noAttempt.stderr).toMatch(/^cis490-jobs: 404 Not Found: .*attempt 2.*\n$/);
      expect(json.code).toBe(EXIT.usage);
      expect(json.stderr).toMatch(/^cis490-jobs: logs prints the log's text as it is and has no --json/);
      for (const r of [unknown, noAttempt, json]) expect(r.stdout).toBe('');
      await fail(job);
    });

    it('-f prints what a worker appends as it comes and exits 0 when the attempt ends', async () => {
      const job = await claimOne(rx.url, 'lab1');
      let size = await appendLog(job, 0, 'starting\n');
      const follow = spawnCli(['logs', '-f', job.id], env());
      await follow.waitForStdout(/starting\n/);
      size = await appendLog(job, size, 'step 1 ✓\n');
      await follow.waitForStdout(/step 1 ✓\n/);
      await appendLog(job, size, 'last words');
      await fail(job);
      expect(await follow.exited).toBe(0);
      expect(follow.stdout()).toBe('starting\nstep 1 ✓\nlast words');
      expect(follow.stderr()).toBe('');
    });

    it('-f carries on from the bytes printed when the receiver restarts under it', async () => {
      const job = await claimOne(rx.url, 'lab1');
      let size = await appendLog(job, 0, 'before the restart\n');
      const follow = spawnCli(['logs', '-f', job.id], env());
      await follow.waitForStdout(/before the restart\n/);
      await rx.restart();
      size = await appendLog(job, size, 'after it\n');
      await follow.waitForStdout(/after it\n/);
      await complete(job, { accuracy: 0.5 });
      expect(await follow.exited).toBe(0);
      expect(follow.stdout()).toBe('before the restart\nafter it\n');
      expect(follow.stderr()).not.toMatch(STACK_TRACE);
    });
  });

  describe('watch', () => {
    it('off a terminal prints a line per change, waits out a receiver restart, and exits 0 on SIGINT', async () => {
      const watch = spawnCli(['watch'], env());
      await watch.waitForStdout(/ watching http:\/\/127\.0\.0\.1:\d+\n/);
      await watch.waitForStdout(/ jobs pending \d+ {2}claimed 0 {2}running 0 /);

      const job = await claimOne(rx.url, 'lab2');
      const line = new RegExp(`^\\S+Z job ${job.id.slice(0, 12)} mlp/realistic seed ${job.seed} claimed on lab2 \\(attempt 1\\)$`, 'm');
      await watch.waitForStdout(line);
      await watch.waitForStdout(/^\S+Z worker lab2 \(host lab2\) online, running \w{12}$/m);

      await rx.restart();
      await watch.waitForStdout(/^\S+Z receiver unreachable, retrying \(.+\)$/m);
      const reconnected = watch.stdout().length;
      await watch.waitForStdout(/ watching http:\S+\n(?![\s\S]*unreachable)/);
      await fail(job, 'lab2');
      await watch.waitForStdout(new RegExp(`job ${job.id.slice(0, 12)} mlp/realistic seed ${job.seed} failed, boom$`, 'm'));
      expect(watch.stdout().slice(reconnected)).toMatch(/watching/);

      watch.child.kill('SIGINT');
      expect(await watch.exited).toBe(0);
      expect(watch.stderr()).toBe('');
    });
  });

  // Last: it stops the receiver for good.
  it('a follower gives up once the receiver has been gone past its limit (exit 3, one line)', async () => {
    const job = await claimOne(rx.url, 'lab1');
    await appendLog(job, 0, 'hello\n');
    const chunks: string[] = [];
    const following = (async () => {
      for await (const chunk of jobLog(new ReceiverClient({ baseUrl: rx.url }), job.id, { follow: true, giveUpMs: 1500 })) {
        chunks.push(chunk.toString());
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    await rx.stop();
    const err = await following.then(() => undefined, (e: unknown) => e);
    expect(chunks.join('')).toBe('hello\n');
    expect(err).toBeInstanceOf(ReceiverUnreachableError);
    const failure = describeFailure(err);
    expect(failure.exitCode).toBe(EXIT.unreachable);
    expect(failure.lines).toEqual([expect.stringMatching(/^cannot reach receiver at .*the log stopped after 2 s of trying again/)]);
  });
});
