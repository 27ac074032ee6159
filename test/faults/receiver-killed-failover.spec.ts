import { join } from 'node:path';
import { api } from '../support/http';
import { describeOnPostgres, freshDatabase, type TestDatabase } from '../support/postgres';
import { type ReceiverProcess, spawnReceiver } from '../support/receiver.process';
import { waitFor } from '../support/wait-for';
import { FAST_RECEIVER_ENV, startWorker, TestFleet } from '../support/worker.process';

/** Long enough to kill a receiver while the trainer runs and see beats go elsewhere. */
const MANIFEST = '[[jobs]]\nmodel = "test"\nmode = "failover"\nhyper = { sleep_s = 4, print_lines = 8 }\n';

/**
 * Two receivers on one PostgreSQL database and one models dir (SPEC §11), a
 * worker given both: the one it uses is SIGKILLed while the trainer runs.
 */
describeOnPostgres('a receiver killed under a worker that has another', () => {
  const fleet = new TestFleet();
  let database: TestDatabase | undefined;
  let second: ReceiverProcess | undefined;

  afterEach(async () => {
    await fleet.stop();
    await second?.close();
    await database?.drop();
    second = undefined;
    database = undefined;
  });

  it('moves to the other receiver and finishes the job there: beats, log, upload and complete', async () => {
    database = await freshDatabase();
    const env = { ...FAST_RECEIVER_ENV, CIS490_DATABASE_URL: database.url };
    // One after the other: the first has migrated the database before the second starts.
    const first = await spawnReceiver(MANIFEST, env);
    fleet.rx = first;
    second = await spawnReceiver('', env, { dir: first.dir });
    const work = join(fleet.temp.make('cis490-work-'), 'work');

    fleet.worker = startWorker(['run', '--once', '--work-dir', work, '--poll-s', '1'], {
      CIS490_RECEIVER_URL: `${first.url},${second.url}`,
    });
    // Seen through the second receiver: the two share the queue.
    const running = await waitFor('the job to run', async () => (await api(`${second!.url}/v1/jobs?status=running`)).jobs[0]);
    expect(running.worker_id).toBe('test-worker');
    await first.stop('SIGKILL');

    const code = await fleet.worker.exited;
    const output = fleet.worker.output();
    expect({ code, output }).toMatchObject({ code: 0 });
    expect(output).toMatch(new RegExp(`warning: receiver ${first.url} did not answer \\([^)]*\\); now using ${second.url}\\n`));
    // It moved while the trainer still ran (a beat or the log), not first at the upload.
    expect(output.indexOf('now using')).toBeLessThan(output.indexOf('trainer exited 0'));
    expect(output).toMatch(/completed in/);

    const job = await api(`${second.url}/v1/job/${running.id}`);
    expect(job).toMatchObject({ status: 'completed', attempts: 1, worker_id: 'test-worker' });
    expect(job.error).toBeNull();
    const { models } = await api(`${second.url}/v1/models`);
    expect(models).toEqual([expect.objectContaining({ job_id: running.id, sha256: job.artifact_sha256 })]);
    // The trainer's output reached the receivers whole across the move: every line once.
    const log = await (await fetch(`${second.url}/v1/job/${running.id}/log`)).text();
    expect(log.match(/^line \d+\/8\b/gm)).toEqual(Array.from({ length: 8 }, (_, i) => `line ${i + 1}/8`));
  });
});
