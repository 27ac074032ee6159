import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { api } from '../support/http';
import { jobsToml } from '../support/manifest.fixtures';
import { becomesGone, childPid, runWorker, sharedReceiver, trainerPid } from '../support/worker.process';

// Priorities make the order of claims, and so which job each `--once` run takes, explicit.
const MANIFEST = jobsToml([
  { model: 'gbt', mode: 'realistic', hyper: { n_estimators: 20, max_depth: 2 }, priority: 3 },
  { model: 'test', mode: 'failing', hyper: { exit_code: 3, stderr: 'boom' }, priority: 2 },
  { model: 'test', mode: 'slow', hyper: { sleep_s: 30, spawn_child: true }, timeout_s: 1, priority: 1 },
]);

describe('cis490-worker run: a job from claim to its end', () => {
  const shared = sharedReceiver(MANIFEST);
  const once = () => runWorker(['run', '--once', '--receiver-url', shared.rx.url, '--work-dir', shared.work, '--poll-s', '1']);
  const jobOf = async (mode: string) => (await api(`${shared.rx.url}/v1/jobs?mode=${mode}`)).jobs[0];


  it('trains a gbt job, stores its bundle, completes it with its metrics; a re-run deduplicates', async () => {
    const first = await once();
    expect(first).toMatchObject({ code: 0 });
    const job = await jobOf('realistic');
    expect(job).toMatchObject({ model: 'gbt', status: 'completed', worker_id: 'test-worker', attempts: 1 });
    expect(job.metrics).toMatchObject({ n_estimators: 20, test_accuracy: expect.any(Number) });
    expect(first.output).toMatch(new RegExp(`job ${job.id.slice(0, 8)} gbt/realistic claimed \\(attempt 1/3\\)`));
    expect(first.output).toContain(`sha256 ${job.artifact_sha256}`);

    const bundle = join(shared.rx.dataDir, 'models', 'gbt_realistic', job.artifact_sha256, 'bundle.tar.zst');
    expect(execFileSync('sha256sum', [bundle], { encoding: 'utf8' }).split(' ')[0]).toBe(job.artifact_sha256);
    const entries = execFileSync('tar', ['-I', 'zstd', '-tf', bundle], { encoding: 'utf8' }).trim().split('\n');
    expect(entries).toEqual(['metrics.json', 'model.json']);
    expect(existsSync(join(shared.work, job.id))).toBe(false);

    await api(`${shared.rx.url}/v1/job/${job.id}/requeue`, { method: 'POST', body: { force: true }, operator: true });
    const second = await once();
    expect(second).toMatchObject({ code: 0 });
    const again = await jobOf('realistic');
    expect(again).toMatchObject({ status: 'completed', artifact_sha256: job.artifact_sha256 });
    expect(second.output).toContain('(deduplicated)');
  });

  it('fails a job whose trainer exits non-zero, with the exit code and its stderr', async () => {
    const run = await once();
    expect(run).toMatchObject({ code: 0 });
    const job = await jobOf('failing');
    expect(job).toMatchObject({ status: 'failed', exit_code: 3, attempts: 1 });
    expect(job.error).toMatch(/^exit 3: .*boom/s);
    expect(run.output).toMatch(/failed: exit 3: boom/);
    // Kept for the operator: the whole output is in trainer.log.
    expect(readFileSync(join(shared.work, job.id, 'trainer.log'), 'utf8')).toContain('boom');
  });

  it('kills a trainer that outlives timeout_s, with its child, and fails the job for good', async () => {
    const run = await once();
    expect(run).toMatchObject({ code: 0 });
    const job = await jobOf('slow');
    expect(job).toMatchObject({ status: 'failed', error: 'timeout after 1 s', attempts: 1 });
    const trainer = trainerPid(run.output);
    const child = childPid(shared.work, job.id);
    expect(trainer).not.toBeNull();
    expect(child).not.toBeNull();
    expect(await becomesGone(trainer!)).toBe(true);
    expect(await becomesGone(child!)).toBe(true);
  });
});
