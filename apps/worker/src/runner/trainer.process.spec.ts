import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processGone } from '../../../../test/support/processes';
import { REDACTED, SecretRedactor } from './secret-redactor';
import { TrainerProcess } from './trainer.process';

async function eventually(check: () => boolean, timeoutMs = 5_000): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    if (check()) return true;
  }
  return check();
}

describe('TrainerProcess', () => {
  let dir: string;
  const started: TrainerProcess[] = [];
  const start = (script: string, env: NodeJS.ProcessEnv = {}, redactor?: SecretRedactor) => {
    const file = join(dir, 'trainer.js');
    writeFileSync(file, script);
    const t = TrainerProcess.start({
      argv: [process.execPath, file],
      jobFile: join(dir, 'job.json'),
      outDir: join(dir, 'out'),
      cwd: dir,
      env: { PATH: process.env.PATH, ...env },
      logFile: join(dir, 'trainer.log'),
      redactor,
    });
    started.push(t);
    return t;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cis490-trainer-'));
  });
  afterEach(async () => {
    for (const t of started.splice(0)) {
      t.kill();
      await t.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs argv with --job-file and --out-dir in the job dir, and keeps the tails and the exit code', async () => {
    const t = start(`
      console.log(JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd(), job: process.env.CIS490_JOB_ID }));
      console.error('warming up');
      console.error('fatal: out of memory');
      process.exitCode = 7;
    `, { CIS490_JOB_ID: 'abc' });
    const exit = await t.exited;
    expect(exit).toEqual({ code: 7, signal: null });
    const first = JSON.parse(t.logTail().split('\n')[0]);
    expect(first).toEqual({ argv: ['--job-file', join(dir, 'job.json'), '--out-dir', join(dir, 'out')], cwd: dir, job: 'abc' });
    expect(t.stderrLines(1)).toEqual(['fatal: out of memory']);
    expect(t.logTail()).toContain('warming up');
    expect(readFileSync(join(dir, 'trainer.log'), 'utf8')).toBe(t.logTail());
  });

  it('redacts secrets from the log tail, the stderr lines and trainer.log, even one split across writes', async () => {
    const secret = 'wk-s3cret-token-value';
    const t = start(`
      process.stdout.write('token=${secret.slice(0, 9)}');
      setTimeout(() => {
        process.stdout.write('${secret.slice(9)} done\\n');
        console.error('env: CIS490_WORKER_TOKEN=${secret}');
        process.stdout.write('ends in a prefix: ${secret.slice(0, 5)}');
        process.exitCode = 3;
      }, 200);
    `, {}, new SecretRedactor([secret]));
    await t.exited;
    const log = readFileSync(join(dir, 'trainer.log'), 'utf8');
    for (const text of [t.logTail(), log, ...t.stderrLines(5)]) expect(text).not.toContain(secret);
    expect(log).toContain(`token=${REDACTED} done`);
    expect(t.stderrLines(1)).toEqual([`env: CIS490_WORKER_TOKEN=${REDACTED}`]);
    // What only looked like the start of a secret comes out once the trainer is gone, last.
    expect(log).toContain('ends in a prefix: ');
    expect(log.endsWith(secret.slice(0, 5))).toBe(true);
    expect(log).toBe(t.logTail());
  });

  it('terminates the whole process group, SIGKILLing what ignores SIGTERM after the grace', async () => {
    const t = start(`
      const { spawn } = require('node:child_process');
      process.on('SIGTERM', () => {});
      const child = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { stdio: 'ignore' });
      console.log('child ' + child.pid);
      setInterval(() => {}, 1000);
    `);
    const line = await new Promise<string>((resolve) => {
      const poll = setInterval(() => {
        const m = /child (\d+)/.exec(t.logTail());
        if (m) {
          clearInterval(poll);
          resolve(m[1]);
        }
      }, 20);
    });
    const child = Number(line);
    expect([processGone(t.pid!), processGone(child)]).toEqual([false, false]);
    const exit = await t.terminate(300);
    expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(processGone(t.pid!)).toBe(true);
    // The group's SIGKILL is sent by now; the kernel may take a moment to finish the grandchild.
    expect(await eventually(() => processGone(child))).toBe(true);
  });

  it('keeps trainer.log as UTF-8 text: a character split across writes stays whole when the other stream writes between', async () => {
    const t = start(`
      const smile = Buffer.from('🙂');
      const pause = () => new Promise((r) => setTimeout(r, 100));
      (async () => {
        process.stdout.write(Buffer.concat([Buffer.from('out '), smile.subarray(0, 2)]));
        await pause();
        process.stderr.write('err\\n');
        await pause();
        process.stdout.write(Buffer.concat([smile.subarray(2), Buffer.from('\\n')]));
        await pause();
        process.stdout.write(Buffer.from([0x62, 0x61, 0x64, 0xff, 0x0a, 0xe2, 0x9c]));
      })();
    `);
    await t.exited;
    expect(readFileSync(join(dir, 'trainer.log'), 'utf8')).toBe('out err\n🙂\nbad\ufffd\n\ufffd');
  });

  it('reports a trainer that cannot be started', async () => {
    const t = TrainerProcess.start({ argv: [join(dir, 'missing')], jobFile: 'j', outDir: 'o', cwd: dir, env: {} });
    const exit = await t.exited;
    expect(exit.code).toBeNull();
    expect(exit.spawnError?.message).toMatch(/ENOENT/);
  });
});
