import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from './cli/cli.support';
import { freshDatabase, TEST_DATABASE_URL, type TestDatabase } from './support/postgres';
import { type ReceiverProcess, spawnReceiver } from './support/receiver.process';
import { TempDirs } from './support/temp-dirs';
import { FAST_RECEIVER_ENV, startWorker, type WorkerProcess } from './support/worker.process';

/**
 * SPEC §12: secrets never appear in logs, error messages, /metrics, process
 * arguments or the CLI's output. A real receiver, worker and CLI hold known
 * secrets; the trainer tries its best to leak them (its environment, and the
 * worker's own through /proc, printed to stdout, stderr, its progress and
 * its exit), then everything anyone can read is searched for them.
 */
const OPERATOR_TOKEN = 'op-s3cret-tok-4711';
const WORKER_TOKEN = 'wk-s3cret-tok-4711';
/** Trust auth on the test server ignores it; it only has to be in the URL. */
const DB_PASSWORD = 'db-s3cret-pw-4711';

const LEAKY_TRAINER = `
const fs = require('node:fs');
const path = require('node:path');
let parent = '';
try { parent = fs.readFileSync('/proc/' + process.ppid + '/environ', 'utf8').split('\\0').join('\\n'); } catch (err) { parent = String(err); }
const everything = JSON.stringify(process.env) + '\\n' + parent;
console.log('my environment:', JSON.stringify(process.env));
console.log('the worker\\'s:', parent);
fs.appendFileSync(process.env.CIS490_PROGRESS_FILE, JSON.stringify({ step: 1, total: 2, message: parent.slice(0, 200) + ' ' + everything.slice(-200) }) + '\\n');
for (const line of parent.split('\\n')) console.error(line);
process.exit(3);
`;

describe('secrets stay secret everywhere', () => {
  const temp = new TempDirs();
  let db: TestDatabase | undefined;
  let rx: ReceiverProcess;
  let worker: WorkerProcess;

  beforeAll(async () => {
    const dir = temp.make('cis490-secrets-');
    writeFileSync(join(dir, 'leaky.js'), LEAKY_TRAINER);
    const env: Record<string, string> = { ...FAST_RECEIVER_ENV, CIS490_OPERATOR_TOKEN: OPERATOR_TOKEN, CIS490_WORKER_TOKEN: WORKER_TOKEN };
    if (TEST_DATABASE_URL) {
      db = await freshDatabase();
      const url = new URL(db.url);
      url.password = DB_PASSWORD;
      env.CIS490_DATABASE_URL = url.href;
    }
    rx = await spawnReceiver('[[jobs]]\nmodel = "leaky"\nmode = "env"\nmax_attempts = 1\n', env);
    worker = startWorker(['run', '--once'], {
      CIS490_RECEIVER_URL: rx.url,
      CIS490_WORKER_TOKEN: WORKER_TOKEN,
      // A host whose env file holds more than the worker needs (shared with a receiver).
      CIS490_OPERATOR_TOKEN: OPERATOR_TOKEN,
      CIS490_DATABASE_URL: env.CIS490_DATABASE_URL ?? `postgres://fleet:${DB_PASSWORD}@db.lab/fleet`,
      CIS490_TRAINER_CMD: `node ${join(dir, 'leaky.js')}`,
      CIS490_WORK_DIR: join(dir, 'work'),
      CIS490_POLL_S: '0.2',
    });
  }, 120_000);

  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    await rx?.close();
    await db?.drop();
    temp.cleanup();
  });

  it('appear in no log, job field, log, progress, metric, process argument or CLI output', async () => {
    const cmdlines = [rx.child.pid, worker.child.pid].map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    expect(await worker.exited).toBe(0);

    const get = async (path: string) => {
      const res = await fetch(`${rx.url}${path}`);
      expect(res.status).toBe(200);
      return res.text();
    };
    const page = JSON.parse(await get('/v1/jobs'));
    const job = page.jobs[0];
    const detail = JSON.parse(await get(`/v1/job/${job.id}`));

    const operator = { CIS490_RECEIVER_URL: rx.url, CIS490_OPERATOR_TOKEN: OPERATOR_TOKEN };
    const cliRuns = await Promise.all(
      [
        ['show', job.id], ['show', '--json', job.id], ['list'], ['list', '--json'], ['workers'], ['workers', '--json'],
        ['status'], ['status', '--json'], ['logs', job.id], ['requeue', job.id], ['cancel', job.id],
      ].map((args) => cli(args, operator)),
    );
    for (const r of cliRuns) expect(r.code).toBe(0);

    const places: [string, string][] = [
      ['receiver output', rx.output()],
      ['worker output', worker.output()],
      ['GET /v1/jobs', JSON.stringify(page)],
      ['GET /v1/job/{id}', JSON.stringify(detail)],
      ['the job log', await get(`/v1/job/${job.id}/log`)],
      ['the job progress', await get(`/v1/job/${job.id}/progress`)],
      ['GET /v1/workers', await get('/v1/workers')],
      ['GET /v1/health', await get('/v1/health')],
      ['/metrics', await get('/metrics')],
      ...cmdlines.map((c, i): [string, string] => [`process ${i} arguments`, c]),
      ...cliRuns.map((r, i): [string, string] => [`cli run ${i}`, r.stdout + r.stderr]),
    ];
    const leaks = places.flatMap(([where, text]) =>
      [OPERATOR_TOKEN, WORKER_TOKEN, DB_PASSWORD].filter((secret) => text.includes(secret)).map((secret) => `${secret} in ${where}`),
    );
    expect(leaks).toEqual([]);
    // The trainer did run, read the worker's environment and fail as planned: there was something to leak.
    expect(detail).toMatchObject({ status: 'failed', exit_code: 3 });
    expect(detail.log_tail).toContain('CIS490_WORKER_TOKEN=[redacted]');
  }, 180_000);
});
