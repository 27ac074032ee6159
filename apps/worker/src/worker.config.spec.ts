import { hostname } from 'node:os';
import { ConfigError, loadWorkerConfig } from './worker.config';

const CWD = '/srv/cis490';
const load = (env: NodeJS.ProcessEnv, flags = {}) => loadWorkerConfig(env, flags, CWD);
const problem = (env: NodeJS.ProcessEnv, flags = {}): string => {
  try {
    load(env, flags);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('loadWorkerConfig', () => {
  it('has SPEC defaults, with the work dir made absolute and the hostname as worker ID', () => {
    expect(load({})).toEqual({
      receiverUrls: ['http://127.0.0.1:8471'],
      workerToken: undefined,
      trainerCmd: '',
      trainerArgv: [],
      workDir: '/srv/cis490/work',
      workerId: hostname(),
      allowJobs: [],
      denyJobs: [],
      pollS: 10,
      claimWaitS: 30,
      killGraceS: 10,
      slots: 'auto',
      gpuBusyMib: 1024,
      tls: {},
    });
  });

  it('reads every variable, and flags of the same name win over them', () => {
    const env = {
      CIS490_RECEIVER_URL: 'https://rx.lab:8471/fleet/',
      CIS490_WORKER_TOKEN: ' s3cret ',
      CIS490_TRAINER_CMD: 'python3 -u /opt/t/train.py --device "cuda:0"',
      CIS490_WORK_DIR: '/var/lib/cis490',
      CIS490_WORKER_ID: 'lab1-gpu0',
      CIS490_ALLOW_JOBS: 'gbt, mlp,,gbt',
      CIS490_DENY_JOBS: 'transformer',
      CIS490_POLL_S: '2.5',
      CIS490_CLAIM_WAIT_S: '0',
      CIS490_KILL_GRACE_S: '0',
      CIS490_SLOTS: '3',
      CIS490_GPU_BUSY_MIB: '0',
    };
    expect(load(env)).toMatchObject({
      receiverUrls: ['https://rx.lab:8471/fleet'],
      workerToken: 's3cret',
      trainerArgv: ['python3', '-u', '/opt/t/train.py', '--device', 'cuda:0'],
      workDir: '/var/lib/cis490',
      workerId: 'lab1-gpu0',
      allowJobs: ['gbt', 'mlp'],
      denyJobs: ['transformer'],
      pollS: 2.5,
      claimWaitS: 0,
      killGraceS: 0,
      slots: 3,
      gpuBusyMib: 0,
    });
    expect(load(env, { pollS: '1', workerId: 'other', allowJobs: '' })).toMatchObject({ pollS: 1, workerId: 'other', allowJobs: [] });
  });

  it('splits the trainer command like a shell, without one: quotes and $VARS, but no operators or globs', () => {
    expect(load({ CIS490_TRAINER_CMD: "node '$HOME/a b.js' \\$x", HOME: '/h' }).trainerArgv).toEqual(['node', '$HOME/a b.js', '$x']);
    expect(load({ CIS490_TRAINER_CMD: 'node $TRAINERS/t.js', TRAINERS: '/opt' }).trainerArgv).toEqual(['node', '/opt/t.js']);
    expect(problem({ CIS490_TRAINER_CMD: 'node $NOPE/t.js' })).toMatch(/^CIS490_TRAINER_CMD \$NOPE is not set/);
    expect(problem({ CIS490_TRAINER_CMD: 'train > log' })).toMatch(/^CIS490_TRAINER_CMD shell operator > is not allowed/);
    expect(problem({ CIS490_TRAINER_CMD: 'a && b' })).toMatch(/operator && is not allowed/);
    expect(problem({ CIS490_TRAINER_CMD: 'train *.cfg' })).toMatch(/glob \*\.cfg is not allowed/);
    expect(problem({}, { trainerCmd: 'train # fast' })).toMatch(/^--trainer-cmd comments/);
  });

  it('makes a relative trainer path absolute: the trainer runs in the job dir', () => {
    expect(load({ CIS490_TRAINER_CMD: './bin/train --x' }).trainerArgv).toEqual(['/srv/cis490/bin/train', '--x']);
    expect(load({ CIS490_TRAINER_CMD: 'train --x' }).trainerArgv).toEqual(['train', '--x']);
  });

  it('takes several receivers, comma-separated, in order, each normalized and counted once', () => {
    expect(load({ CIS490_RECEIVER_URL: 'http://rx1.lab:8471/, https://rx2.lab/fleet ,http://rx1.lab:8471' }).receiverUrls).toEqual([
      'http://rx1.lab:8471',
      'https://rx2.lab/fleet',
    ]);
    expect(load({ CIS490_RECEIVER_URL: 'http://a:1' }, { receiverUrl: 'http://b:2,http://c:3' }).receiverUrls).toEqual([
      'http://b:2',
      'http://c:3',
    ]);
  });

  it('names the setting and the element of a bad receiver list', () => {
    expect(problem({ CIS490_RECEIVER_URL: 'http://a:1,,http://b:2' })).toBe(
      "CIS490_RECEIVER_URL element 2 of 3 is empty: give receivers' URLs separated by single commas, e.g. http://rx1.lab:8471,http://rx2.lab:8471",
    );
    expect(problem({ CIS490_RECEIVER_URL: 'http://a:1,' })).toMatch(/^CIS490_RECEIVER_URL element 2 of 2 is empty/);
    expect(problem({}, { receiverUrl: 'http://a:1,rx2.lab:8471' })).toBe(
      '--receiver-url element 2 of 2 must be an http:// or https:// URL, got "rx2.lab:8471"',
    );
  });

  it.each([
    ['CIS490_RECEIVER_URL', 'ftp://rx'],
    ['CIS490_RECEIVER_URL', 'not a url'],
    ['CIS490_RECEIVER_URL', 'http://rx/?a=1'],
    ['CIS490_WORKER_ID', 'lab 1'],
    ['CIS490_ALLOW_JOBS', 'gbt,b@d'],
    ['CIS490_DENY_JOBS', '-x'],
    ['CIS490_POLL_S', '0'],
    ['CIS490_POLL_S', '1e3'],
    ['CIS490_CLAIM_WAIT_S', '61'],
    ['CIS490_CLAIM_WAIT_S', '2.5'],
    ['CIS490_KILL_GRACE_S', '-1'],
    ['CIS490_SLOTS', '0'],
    ['CIS490_SLOTS', '1.5'],
    ['CIS490_SLOTS', 'all'],
    ['CIS490_GPU_BUSY_MIB', '-1'],
    ['CIS490_GPU_BUSY_MIB', '1.5'],
    ['CIS490_CORES', '0'],
    ['CIS490_CUDA', 'maybe'],
  ])('refuses %s=%j, naming it', (name, value) => {
    expect(problem({ [name]: value })).toContain(name);
  });

  it('refuses a receiver URL with a password, in the variable or the flag, without repeating it', () => {
    const fromEnv = problem({ CIS490_RECEIVER_URL: 'http://lab:pw-s3cret-1@rx.lab:8471' });
    expect(fromEnv).toMatch(/^CIS490_RECEIVER_URL must not carry a user name or password/);
    expect(fromEnv).not.toContain('pw-s3cret-1');
    const fromFlag = problem({}, { receiverUrl: 'http://rx1:8471,https://lab:pw-s3cret-1@rx2' });
    expect(fromFlag).toMatch(/^--receiver-url element 2 of 2 must not carry a user name or password/);
    expect(fromFlag).not.toContain('pw-s3cret-1');
  });

  it('refuses a worker token that cannot be sent, naming the rule but not the token', () => {
    const bad = problem({ CIS490_WORKER_TOKEN: 'wk-s3cret\u0007part' });
    expect(bad).toMatch(/^CIS490_WORKER_TOKEN must be visible ASCII/);
    expect(bad).not.toContain('s3cret');
  });

  it('names the flag when the bad value came from a flag', () => {
    expect(problem({ CIS490_POLL_S: '5' }, { pollS: 'soon' })).toBe('--poll-s must be a number of seconds >= 0.1, got "soon"');
    expect(problem({}, { slots: 'many' })).toBe('--slots must be "auto" or a whole number from 1 to 256, got "many"');
    expect(load({ CIS490_SLOTS: '4' }, { slots: 'auto' }).slots).toBe('auto');
    expect(problem({}, { gpuBusyMib: '1G' })).toBe('--gpu-busy-mib must be a whole number of MiB >= 0, got "1G"');
    expect(problem({}, { claimWaitS: '90' })).toBe('--claim-wait-s must be a whole number of seconds from 0 to 60, got "90"');
  });

  it('checks the TLS files at start, naming the variable or flag (SPEC §12)', () => {
    expect(problem({ CIS490_TLS_CERT: '/etc/cis490/w.crt' })).toBe(
      'CIS490_TLS_CERT needs CIS490_TLS_KEY: a client certificate goes with its private key',
    );
    expect(problem({}, { tlsKey: 'w.key' })).toBe('--tls-key needs CIS490_TLS_CERT: a client certificate goes with its private key');
    expect(problem({ CIS490_TLS_CA: 'lab/ca.crt' })).toBe(`CIS490_TLS_CA ${CWD}/lab/ca.crt cannot be read (ENOENT)`);
    expect(load({ CIS490_TLS_CA: '/nonexistent/ca.crt' }, { tlsCa: '' }).tls).toEqual({});
  });
});
