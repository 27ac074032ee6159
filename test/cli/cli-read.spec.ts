import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiverProcess, spawnReceiver } from '../support/receiver.process';
import { freePort } from '../support/receiver.process';
import { claimOne } from '../support/http';
import { cli, CliResult, completeWithBundle, json, readManifest, STACK_TRACE } from './cli.support';

const SWEEP_POINTS = 1001; // more than the receiver's largest page (1000): `list` must follow the cursor

const MANIFEST = readManifest(SWEEP_POINTS);

const ESC = '\u001b[';

describe('cis490-jobs read commands against a real receiver', () => {
  let rx: ReceiverProcess;
  let env: Record<string, string>;
  let completedId: string;
  let cudaJobId: string;
  let sha256: string;
  let work: string;

  const run = async (args: string[], cwd?: string): Promise<CliResult> => {
    const r = await cli(args, env, cwd);
    expect(r.stderr).not.toMatch(STACK_TRACE);
    return r;
  };

  beforeAll(async () => {
    rx = await spawnReceiver(MANIFEST);
    env = { CIS490_RECEIVER_URL: rx.url };
    const job = await claimOne(rx.url, 'lab1');
    completedId = job.id;
    sha256 = await completeWithBundle(rx.url, job, 'lab1', 'weights of a small model\n');
    const page = (await (await fetch(`${rx.url}/v1/jobs?model=cnn`)).json()) as { jobs: { id: string }[] };
    cudaJobId = page.jobs[0].id;
    work = mkdtempSync(join(tmpdir(), 'cis490-cli-'));
  });

  afterAll(async () => {
    await rx?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('status: counts, workers online and no colour off a terminal; --json has the receiver answers', async () => {
    const [human, asJson] = await Promise.all([run(['status']), run(['status', '--json'])]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/completed 1\b/);
    expect(human.stdout).toMatch(new RegExp(`pending ${SWEEP_POINTS + 1}\\b`));
    expect(human.stdout).toMatch(/1 online of 1: lab1/);
    expect(human.stdout).not.toContain(ESC);

    expect(asJson.code).toBe(0);
    const s = json(asJson);
    expect(s.health.counts).toMatchObject({ completed: 1, pending: SWEEP_POINTS + 1, failed: 0 });
    expect(s.workers.map((w: { worker_id: string }) => w.worker_id)).toEqual(['lab1']);
    expect(s.recent_failures).toEqual([]);
  });

  it('list: a table of short ids, then the filters, the limit and the cursor followed past one page', async () => {
    const [table, filtered, all, one] = await Promise.all([
      run(['list']),
      run(['list', '--status', 'completed', '--json']),
      run(['--json', 'list', '--model', 'sweep', '--limit', String(SWEEP_POINTS + 50)]),
      run(['list', '--mode', 'realistic', '--limit', '1', '--json']),
    ]);

    expect(table.code).toBe(0);
    const rows = table.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^ID\s+STATUS\s+MODEL\s+MODE/);
    expect(rows).toHaveLength(1 + 100 + 1); // head, the default limit, the "more match" footer
    expect(rows[1]).toContain(completedId.slice(0, 12));
    expect(table.stdout).not.toContain(completedId);
    expect(rows[rows.length - 1]).toMatch(/more match/);

    expect(json(filtered).jobs.map((j: { id: string }) => j.id)).toEqual([completedId]);

    const sweep = json(all);
    expect(sweep.jobs).toHaveLength(SWEEP_POINTS);
    expect(new Set(sweep.jobs.map((j: { id: string }) => j.id)).size).toBe(SWEEP_POINTS);
    expect(sweep.jobs.every((j: { model: string }) => j.model === 'sweep')).toBe(true);
    expect(sweep.next_cursor).toBeNull();

    const first = json(one);
    expect(first.jobs).toHaveLength(1);
    expect(first.next_cursor).toEqual(expect.any(String));
  });

  it('show: any unique prefix; events, artifact, and why a job is pending', async () => {
    const [done, doneJson, pending] = await Promise.all([
      run(['show', completedId.slice(0, 8)]),
      run(['show', completedId.slice(0, 10), '--json']),
      run(['show', cudaJobId]),
    ]);
    expect(done.code).toBe(0);
    expect(done.stdout).toContain(completedId);
    expect(done.stdout).toMatch(/status\s+completed/);
    expect(done.stdout).toContain(sha256);
    expect(done.stdout).toMatch(/running → completed|claimed → completed/);

    const detail = json(doneJson);
    expect(detail.id).toBe(completedId);
    expect(detail.artifact_sha256).toBe(sha256);
    expect(detail.events.map((e: { to: string }) => e.to)).toEqual(expect.arrayContaining(['pending', 'claimed', 'completed']));

    expect(pending.code).toBe(0);
    expect(pending.stdout).toMatch(/pending reason\s+.*CUDA/);
  });

  it('workers and models: tables and the receiver JSON', async () => {
    const [workers, workersJson, models, modelsJson, none] = await Promise.all([
      run(['workers']),
      run(['workers', '--json']),
      run(['models']),
      run(['models', '--model', 'gbt', '--json']),
      run(['models', '--model', 'cnn', '--json']),
    ]);
    expect(workers.code).toBe(0);
    expect(workers.stdout).toMatch(/^ID\s+HOST\s+ONLINE\s+CUDA\/VRAM\s+RAM\s+CORES\s+SLOTS\s+JOBS\s+LAST SEEN/);
    expect(workers.stdout).toMatch(/lab1\s+lab1\s+yes\s+no\s+16G\s+4\s+0\/1\s+-\s+/);
    expect(json(workersJson).workers[0]).toMatchObject({ worker_id: 'lab1', online: true, current_job_ids: [], slots: 1, current_jobs: [] });

    expect(models.code).toBe(0);
    expect(models.stdout).toContain(sha256.slice(0, 12));
    expect(models.stdout).toContain(completedId.slice(0, 12));
    expect(json(modelsJson).models).toEqual([
      expect.objectContaining({ sha256, job_id: completedId, worker_id: 'lab1', model: 'gbt', mode: 'realistic' }),
    ]);
    expect(json(none).models).toEqual([]);
  });

  it('pull: writes the bundle where asked, verified; an unknown sha leaves nothing behind', async () => {
    const dir = mkdtempSync(join(work, 'pull-'));
    const named = join(dir, 'gbt.tar.zst');
    const [byDefault, asked, unknown] = await Promise.all([
      run(['pull', sha256], dir),
      run(['pull', sha256, '-o', named, '--json']),
      run(['pull', 'f'.repeat(64), '-o', join(dir, 'nothing.tar.zst')]),
    ]);

    expect(byDefault.code).toBe(0);
    const defaultFile = join(dir, `bundle-${sha256}.tar.zst`);
    expect(spawnSync('sha256sum', [defaultFile]).stdout.toString().split(/\s+/)[0]).toBe(sha256);

    expect(asked.code).toBe(0);
    expect(json(asked)).toMatchObject({ sha256, path: named });
    expect(spawnSync('sha256sum', [named]).stdout.toString().split(/\s+/)[0]).toBe(sha256);
    expect(spawnSync('zstd', ['-dc', named]).stdout.toString()).toBe('weights of a small model\n');

    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^cis490-jobs: 404 Not Found.*\n$/);
    expect(readdirSync(dir).sort()).toEqual([`bundle-${sha256}.tar.zst`, 'gbt.tar.zst']);
  });

  it('usage errors exit 2 with one line; an unreachable receiver exits 3; help and version exit 0', async () => {
    const port = await freePort();
    const [unknownCommand, unknownOption, missingArg, badValue, unreachable, help, commandHelp, version] =
      await Promise.all([
        run(['frobnicate']),
        run(['list', '--colour']),
        run(['show']),
        run(['list', '--status', 'done']),
        cli(['status'], { CIS490_RECEIVER_URL: `http://127.0.0.1:${port}` }),
        run(['--help']),
        run(['pull', '--help']),
        run(['--version']),
      ]);
    for (const [r, pattern] of [
      [unknownCommand, /unknown command 'frobnicate'/],
      [unknownOption, /unknown option '--colour'/],
      [missingArg, /missing required argument 'id'/],
      [badValue, /--status: "done" is not a job status/],
    ] as const) {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^cis490-jobs: [^\n]+\n$/);
      expect(r.stderr).toMatch(pattern);
      expect(r.stdout).toBe('');
    }

    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).not.toMatch(STACK_TRACE);
    expect(unreachable.stderr).toBe(
      `cis490-jobs: cannot reach receiver at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port} ` +
        '(is it running? set --receiver or CIS490_RECEIVER_URL)\n',
    );

    expect(help.code).toBe(0);
    for (const name of ['status', 'list', 'show', 'cancel', 'requeue', 'reload', 'workers', 'models', 'pull']) {
      expect(help.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    }
    expect(help.stdout).not.toMatch(/--token/);
    expect(commandHelp.code).toBe(0);
    expect(commandHelp.stdout).toMatch(/Examples:\n\s+\$ cis490-jobs pull/);
    expect(commandHelp.stdout).toMatch(/-o, --output <file>/);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
