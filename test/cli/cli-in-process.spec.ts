import type { JobView } from '@cis490/contract';
import { describeFailure, EXIT } from '../../apps/cli/src/cli.errors';
import { CliModule } from '../../apps/cli/src/cli.module';
import { CliProgram } from '../../apps/cli/src/cli.program';
import { api } from '../support/http';
import { InProcessRun, runInProcess } from '../support/in-process-command';
import { freePort, ReceiverProcess, spawnReceiver, TEST_OPERATOR_TOKEN } from '../support/receiver.process';
import { claimOne } from '../support/http';
import { completeWithBundle, readManifest } from './cli.support';

const SWEEP_POINTS = 5;

const OOM = 'Traceback (most recent call last):\n  File "train.py", line 9\nRuntimeError: CUDA out of memory';

// The commands' logic in this process, their services real, against a real receiver (the CLI's one boundary).
// What main() adds (the exit, stderr, no stack traces) is cli-read and cli-operator's part.
describe('cis490-jobs commands, in process', () => {
  let rx: ReceiverProcess;
  let completed: JobView;
  let failed: JobView;
  let cuda: JobView;

  /** One command line, as main() runs it: the program configured, the failure mapped to its exit code and lines. */
  const jobs = async (args: string[], receiver?: string) => {
    const run: InProcessRun = await runInProcess(CliModule, ['--receiver', receiver ?? rx.url, ...args], {
      prepare: (app) => app.get(CliProgram).configure(),
    });
    const { exitCode, lines } = run.failure === undefined ? { exitCode: EXIT.ok, lines: [] } : describeFailure(run.failure);
    return { stdout: run.stdout, exitCode, lines };
  };
  const pendingSweep = async (): Promise<JobView> => (await api(`${rx.url}/v1/jobs?model=sweep&status=pending`)).jobs[0];

  beforeAll(async () => {
    rx = await spawnReceiver(readManifest(SWEEP_POINTS));
    completed = await claimOne(rx.url, 'lab1');
    await completeWithBundle(rx.url, completed, 'lab1', 'gbt weights\n');
    failed = await claimOne(rx.url, 'lab1'); // a point of the sweep: gbt went first
    await api(`${rx.url}/v1/job/${failed.id}/fail`, { method: 'POST', body: { worker_id: 'lab1', error: OOM, retryable: false } });
    cuda = (await api(`${rx.url}/v1/jobs?model=cnn`)).jobs[0];
  });

  afterAll(async () => {
    await rx?.close();
  });

  afterEach(() => {
    delete process.env.CIS490_OPERATOR_TOKEN;
  });

  it('status: counts, workers online, and the latest failure with the line that says what went wrong', async () => {
    const human = await jobs(['status']);
    expect(human.exitCode).toBe(EXIT.ok);
    expect(human.stdout).toMatch(/completed 1\b/);
    expect(human.stdout).toMatch(/failed 1\b/);
    expect(human.stdout).toMatch(new RegExp(`pending ${SWEEP_POINTS}\\b`)); // the rest of the sweep, and cnn
    expect(human.stdout).toMatch(/1 online of 1: lab1/);
    expect(human.stdout).toMatch(new RegExp(`^\\s+${failed.id.slice(0, 12)}\\s+sweep/grid\\s+\\S.*\\s{2}RuntimeError: CUDA out of memory$`, 'm'));

    const asJson = await jobs(['status', '--json']);
    const answer = JSON.parse(asJson.stdout);
    expect(Object.keys(answer).sort()).toEqual(['health', 'recent_failures', 'workers']);
    expect(answer.recent_failures.map((j: JobView) => [j.id, j.error])).toEqual([[failed.id, OOM]]);
  });

  it('list: the filters, and --limit with the footer that says more match', async () => {
    const byStatus = await jobs(['list', '--status', 'failed', '--json']);
    expect(JSON.parse(byStatus.stdout).jobs.map((j: JobView) => j.id)).toEqual([failed.id]);

    const two = await jobs(['list', '--model', 'sweep', '--limit', '2']);
    const rows = two.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^ID\s+STATUS\s+MODEL\s+MODE\s+SEED/);
    expect(rows.slice(1, -1)).toHaveLength(2);
    expect(rows.at(-1)).toBe('2 jobs shown; more match (raise --limit, now 2)');

    const all = JSON.parse((await jobs(['list', '--model', 'sweep', '--json'])).stdout);
    expect(all.jobs.map((j: JobView) => j.seed).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(all.next_cursor).toBeNull();
  });

  it('show: a prefix names the job; a pending job says why; an unknown one is the receiver refusing (exit 1)', async () => {
    const done = await jobs(['show', completed.id.slice(0, 8), '--json']);
    expect(JSON.parse(done.stdout)).toMatchObject({ id: completed.id, status: 'completed', worker_id: 'lab1' });

    const pending = await jobs(['show', cuda.id]);
    expect(pending.stdout).toMatch(/pending reason\s+.*CUDA/);

    const unknown = await jobs(['show', 'deadbeefdeadbeef']);
    expect(unknown.exitCode).toBe(EXIT.refused);
    expect(unknown.lines).toEqual([expect.stringMatching(/^404 Not Found: .*deadbeefdeadbeef/)]);
    expect(unknown.stdout).toBe('');
  });

  it('cancel needs CIS490_OPERATOR_TOKEN before anything is sent (exit 2), and cancels with it', async () => {
    const job = await pendingSweep();
    const refused = await jobs(['cancel', job.id]);
    expect(refused).toEqual({
      stdout: '',
      exitCode: EXIT.usage,
      lines: ['cancel needs the operator token: set CIS490_OPERATOR_TOKEN in the environment'],
    });
    expect((await api(`${rx.url}/v1/job/${job.id}`)).status).toBe('pending');

    process.env.CIS490_OPERATOR_TOKEN = TEST_OPERATOR_TOKEN;
    const cancelled = await jobs(['cancel', job.id.slice(0, 10)]);
    expect(cancelled.exitCode).toBe(EXIT.ok);
    expect(cancelled.stdout).toBe(`job ${job.id} (sweep/grid) is cancelled\n`);
  });

  it('a bad option value or receiver URL is a usage error (exit 2); a receiver that is not there, exit 3', async () => {
    const port = await freePort();
    const [badStatus, badUrl, unreachable] = [
      await jobs(['list', '--status', 'done']),
      await jobs(['status'], 'lab-receiver:8471'),
      await jobs(['status'], `http://127.0.0.1:${port}`),
    ];
    expect(badStatus.exitCode).toBe(EXIT.usage);
    expect(badStatus.lines).toEqual([expect.stringMatching(/^--status: "done" is not a job status/)]);
    expect(badUrl.exitCode).toBe(EXIT.usage);
    expect(badUrl.lines).toEqual(['--receiver must be an http:// or https:// URL, got "lab-receiver:8471"']);
    expect(unreachable.exitCode).toBe(EXIT.unreachable);
    expect(unreachable.lines).toEqual([expect.stringMatching(new RegExp(`^cannot reach receiver at http://127.0.0.1:${port}`))]);
  });
});
