import { join } from 'node:path';
import { api } from '../support/http';
import { freePort, spawnReceiver } from '../support/receiver.process';
import { FAST_RECEIVER_ENV, runWorker, startWorker, TestFleet } from '../support/worker.process';

/** A job long enough for a few heartbeats (the receiver asks for one a second). */
const MANIFEST = '[[jobs]]\nmodel = "test"\nmode = "failover"\nhyper = { sleep_s = 2.5, print_lines = 3 }\n';

describe('cis490-worker with several receivers (CIS490_RECEIVER_URL as a list)', () => {
  const fleet = new TestFleet();
  afterEach(() => fleet.stop());

  it('with the first receiver down, claims, heartbeats, uploads and completes through the next', async () => {
    fleet.rx = await spawnReceiver(MANIFEST, FAST_RECEIVER_ENV);
    const dead = `http://127.0.0.1:${await freePort()}`;
    const work = join(fleet.temp.make('cis490-work-'), 'work');
    const list = `${dead}, ${fleet.rx.url}/`;

    fleet.worker = startWorker(['run', '--once', '--work-dir', work, '--poll-s', '1'], { CIS490_RECEIVER_URL: list });
    const code = await fleet.worker.exited;
    const output = fleet.worker.output();

    expect({ code, output }).toMatchObject({ code: 0 });
    expect(output).toContain(`starting: receivers ${dead}, ${fleet.rx.url} (in turn)`);
    // Said once: once the second answered, every request went to it (the claim, the beats, the upload, complete).
    expect(output.match(/did not answer/g)).toHaveLength(1);
    expect(output).toMatch(new RegExp(`warning: receiver ${dead} did not answer \\(connect ECONNREFUSED [^)]*\\); now using ${fleet.rx.url}\\n`));
    expect(output).not.toMatch(/heartbeat failed|retry \d+ in/);

    const [job] = (await api(`${fleet.rx.url}/v1/jobs`)).jobs;
    expect(job).toMatchObject({ status: 'completed', worker_id: 'test-worker', attempts: 1 });
    const detail = await api(`${fleet.rx.url}/v1/job/${job.id}`);
    // The receiver saw beats while the trainer slept: after the start, before the end.
    expect(Date.parse(detail.heartbeat_at)).toBeGreaterThan(Date.parse(detail.started_at ?? detail.claimed_at));
    const { models } = await api(`${fleet.rx.url}/v1/models`);
    expect(models).toEqual([expect.objectContaining({ job_id: job.id, sha256: job.artifact_sha256, worker_id: 'test-worker' })]);
  });

  it('config and self-test show the list; self-test says which receiver answered and passes while one does', async () => {
    fleet.rx = await spawnReceiver(MANIFEST, FAST_RECEIVER_ENV);
    const dead = `http://127.0.0.1:${await freePort()}`;
    const work = join(fleet.temp.make('cis490-work-'), 'work');
    const env = { CIS490_RECEIVER_URL: `${dead},${fleet.rx.url}`, CIS490_WORKER_TOKEN: 'never-printed-token' };

    const config = await runWorker(['config', '--work-dir', work], env);
    expect(config.code).toBe(0);
    expect(config.output).toMatch(new RegExp(`^CIS490_RECEIVER_URL +${dead},${fleet.rx.url} \\(tried in this order\\)$`, 'm'));
    expect(config.output).toMatch(/^CIS490_WORKER_TOKEN +\(set\)$/m);
    const json = await runWorker(['config', '--json', '--work-dir', work], env);
    expect(JSON.parse(json.output)).toMatchObject({ receiverUrls: [dead, fleet.rx.url], workerTokenSet: true, workDir: work });
    expect(`${config.output}${json.output}`).not.toContain('never-printed-token');

    const test = await runWorker(['self-test', '--work-dir', work], env);
    expect(test.code).toBe(0);
    expect(test.output).toMatch(
      new RegExp(
        `^ok   receiver reachable: 1 of 2 answered: ${dead} did not answer: connect ECONNREFUSED \\S+; ${fleet.rx.url} \\(receiver \\S+, 1 jobs pending\\)$`,
        'm',
      ),
    );

    const otherDead = `http://127.0.0.1:${await freePort()}`;
    const none = await runWorker(['self-test', '--work-dir', work, '--receiver-url', `${dead},${otherDead}`]);
    expect(none.code).toBe(1);
    expect(none.output).toMatch(new RegExp(`^FAIL receiver reachable: 0 of 2 answered: ${dead} did not answer: .*; ${otherDead} did not answer: `, 'm'));
  });

  it.each([
    [{ CIS490_RECEIVER_URL: 'http://rx1.lab:8471,,http://rx2.lab:8471' }, [], 'CIS490_RECEIVER_URL element 2 of 3 is empty'],
    [{}, ['--receiver-url', 'http://rx1.lab:8471,rx2.lab:8471'], '--receiver-url element 2 of 2 must be an http:// or https:// URL, got "rx2.lab:8471"'],
  ])('refuses a bad list %j %j in one line naming the setting and the element, exit 2', async (env, args, message) => {
    for (const command of ['run', 'config']) {
      const run = await runWorker([command, ...args], env);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(`${run.stderr.split('\n')[0]}\n`);
      expect(run.stderr).toContain(`cis490-worker: ${message}`);
    }
  });
});
