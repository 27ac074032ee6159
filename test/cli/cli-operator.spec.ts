import { writeFileSync } from 'node:fs';
import type { JobView } from '@cis490/contract';
import { ReceiverProcess, spawnReceiver, TEST_OPERATOR_TOKEN } from '../support/receiver.process';
import { claimOne } from '../support/http';
import { cli, CliResult, completeWithBundle, json, STACK_TRACE } from './cli.support';

const JOBS = `
[[jobs]]
model = "alpha"
mode = "a"

[[jobs]]
model = "beta"
mode = "b"
priority = 10

[[jobs]]
model = "gamma"
mode = "c"
priority = 5
`;

const ONE_LINE = /^cis490-jobs: [^\n]+\n$/;

describe('cis490-jobs operator commands against a real receiver', () => {
  let rx: ReceiverProcess;
  let url: string;
  let alpha: string;
  let claimed: JobView;
  let completed: JobView;

  const run = async (args: string[], token: string | null = TEST_OPERATOR_TOKEN): Promise<CliResult> => {
    const env: Record<string, string> = { CIS490_RECEIVER_URL: url };
    if (token !== null) env.CIS490_OPERATOR_TOKEN = token;
    const r = await cli(args, env);
    expect(r.stderr).not.toMatch(STACK_TRACE);
    return r;
  };
  const job = async (id: string): Promise<JobView> => (await fetch(`${url}/v1/job/${id}`)).json() as Promise<JobView>;

  beforeAll(async () => {
    rx = await spawnReceiver(JOBS);
    url = rx.url;
    claimed = await claimOne(url, 'lab2'); // beta: the highest priority
    completed = await claimOne(url, 'lab2'); // gamma
    await completeWithBundle(url, completed, 'lab2', 'gamma bundle\n');
    const page = (await (await fetch(`${url}/v1/jobs?model=alpha`)).json()) as { jobs: JobView[] };
    alpha = page.jobs[0].id;
  });

  afterAll(async () => {
    await rx?.close();
  });

  it('without CIS490_OPERATOR_TOKEN: exit 2 before anything is sent; no --token flag exists', async () => {
    const [cancel, requeue, reload, tokenFlag] = await Promise.all([
      run(['cancel', alpha], null),
      run(['requeue', alpha], null),
      run(['reload'], null),
      run(['cancel', '--token', TEST_OPERATOR_TOKEN, alpha]),
    ]);
    for (const r of [cancel, requeue, reload]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(ONE_LINE);
      expect(r.stderr).toMatch(/set CIS490_OPERATOR_TOKEN/);
      expect(r.stdout).toBe('');
    }
    expect(tokenFlag.code).toBe(2);
    expect(tokenFlag.stderr).toMatch(/unknown option '--token'/);
    expect((await job(alpha)).status).toBe('pending');
  });

  it('a token that cannot be sent, or a receiver URL with a password: exit 2, naming the setting, never the secret', async () => {
    const [badToken, urlFlag, urlEnv] = await Promise.all([
      run(['cancel', alpha], 'op-s3cret\nsecond-line'),
      run(['cancel', '--receiver', 'http://lab:op-s3cret@127.0.0.1:9', alpha]),
      cli(['status'], { CIS490_RECEIVER_URL: 'http://lab:op-s3cret@127.0.0.1:9' }),
    ]);
    expect(badToken.stderr).toMatch(/^cis490-jobs: CIS490_OPERATOR_TOKEN must be visible ASCII/);
    expect(urlFlag.stderr).toMatch(/^cis490-jobs: --receiver must not carry a user name or password/);
    expect(urlEnv.stderr).toMatch(/^cis490-jobs: CIS490_RECEIVER_URL must not carry a user name or password/);
    for (const r of [badToken, urlFlag, urlEnv]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(ONE_LINE);
      expect(r.stderr + r.stdout).not.toContain('op-s3cret');
    }
    expect((await job(alpha)).status).toBe('pending');
  });

  it('cancel and requeue: 0 with the job; 1 with the receiver\'s refusal on one line', async () => {
    const [unknown, wrongToken, busy, notForced] = await Promise.all([
      run(['cancel', 'deadbeefdeadbeef']),
      run(['cancel', alpha], 'not-the-operator-token'),
      run(['requeue', claimed.id.slice(0, 12)]),
      run(['requeue', completed.id]),
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(ONE_LINE);
    expect(unknown.stderr).toMatch(/^cis490-jobs: 404 Not Found: .*deadbeefdeadbeef/);
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.stderr).toMatch(/^cis490-jobs: 401 /);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(ONE_LINE);
    expect(busy.stderr).toMatch(/^cis490-jobs: 409 Conflict: /);
    expect(notForced.code).toBe(1);
    expect(notForced.stderr).toMatch(/^cis490-jobs: 409 Conflict: /);
    expect((await job(claimed.id)).status).toBe('claimed');

    const cancel = await run(['cancel', alpha.slice(0, 8)]);
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toBe(`job ${alpha} (alpha/a) is cancelled\n`);

    const [requeue, cancelClaimed, forced] = await Promise.all([
      run(['requeue', alpha, '--json']),
      run(['cancel', claimed.id, '--json']),
      run(['requeue', completed.id.slice(0, 8), '--force', '--json']),
    ]);
    expect(json(requeue)).toMatchObject({ id: alpha, status: 'pending', attempts: 0 });
    expect(json(cancelClaimed)).toMatchObject({ id: claimed.id, status: 'cancelled' });
    expect(json(forced)).toMatchObject({ id: completed.id, status: 'pending', attempts: 0, error: null });
  });

  it('reload: the counts, then every validation error on its own line with nothing changed', async () => {
    writeFileSync(rx.manifestPath, `${JOBS}\n[[jobs]]\nmodel = "delta"\nmode = "d"\n`);
    const added = await run(['reload']);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/1 added, 0 updated, 3 unchanged, 0 orphaned; 4 jobs in the manifest/);
    const again = await run(['reload', '--json']);
    expect(json(again)).toMatchObject({ added: 0, updated: 0, unchanged: 4, orphaned: 0, total: 4 });

    writeFileSync(
      rx.manifestPath,
      '[[jobs]]\nmodel = "alpha"\nmode = "a"\nmin_vram_gib = -1\n\n[[jobs]]\nmodel = "beta"\nmode = "b"\nrequre_cuda = true\n',
    );
    const invalid = await run(['reload']);
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toBe('');
    const lines = invalid.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.startsWith('cis490-jobs: '))).toBe(true);
    expect(lines.find((l) => l.includes('jobs[0].min_vram_gib'))).toMatch(/jobs\[0\]\.min_vram_gib: .*0/);
    expect(lines.find((l) => l.includes('jobs[1]'))).toMatch(/requre_cuda/);

    writeFileSync(rx.manifestPath, '[[jobs]]\nmodel = "alpha"\nmode = \n');
    const syntax = await run(['reload']);
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toMatch(/^cis490-jobs: 3:\d+: [^\n]+\n$/);

    const total = (await (await fetch(`${url}/v1/jobs`)).json()) as { jobs: JobView[] };
    expect(total.jobs.map((j) => j.model).sort()).toEqual(['alpha', 'beta', 'delta', 'gamma']);
    expect(total.jobs.every((j) => j.in_manifest)).toBe(true);
  });
});
