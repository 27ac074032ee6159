import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeLabCa } from './support/lab-ca';

const SCRIPTS = path.join(__dirname, '..', 'scripts');
const WORKER = path.join(SCRIPTS, 'install-training-worker.sh');
const RECEIVER = path.join(SCRIPTS, 'install-trainer-receiver.sh');
const TOKEN = 'worker-token-0123456789abcdef';
// Unlikely to exist on any machine, so the dry run always plans a useradd.
const USER = 'cis490-dryrun';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function install(script: string, args: string[]): Run {
  const result = spawnSync('bash', [script, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every path under dir with its size, mode and mtime: equal snapshots = nothing written. */
function snapshot(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((entry) => {
      const stat = fs.lstatSync(path.join(dir, entry));
      return `${entry} ${stat.size} ${stat.mode.toString(8)} ${stat.mtimeMs}`;
    })
    .sort();
}

/** The content a dry run shows under `would run: install … /dev/stdin DEST`. */
function plannedContent(stdout: string, dest: string): string {
  const lines = stdout.split('\n');
  const at = lines.findIndex((l) => l.startsWith('would run: install ') && l.endsWith(` /dev/stdin ${dest}`));
  if (at < 0) throw new Error(`no write of ${dest} in:\n${stdout}`);
  const shown: string[] = [];
  for (const line of lines.slice(at + 1)) {
    if (!line.startsWith('    | ')) break;
    shown.push(line.slice(6));
  }
  return `${shown.join('\n')}\n`;
}

let tmp: string;
let checkout: string;
let target: string;
let tokenFile: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cis490-install-'));
  // A stand-in for a built checkout: the installers only check the entry points exist.
  checkout = path.join(tmp, 'checkout');
  for (const app of ['worker', 'receiver']) {
    fs.mkdirSync(path.join(checkout, 'dist', 'apps', app, 'src'), { recursive: true });
    fs.writeFileSync(path.join(checkout, 'dist', 'apps', app, 'src', 'main.js'), '');
  }
  tokenFile = path.join(tmp, 'worker.token');
  fs.writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  target = path.join(tmp, 'target');
  fs.mkdirSync(target);
});

afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const workerPaths = () => [
  '--user', USER,
  '--work-dir', path.join(target, 'work'),
  '--env-file', path.join(target, 'etc', 'worker.env'),
  '--unit-dir', path.join(target, 'units'),
  '--checkout', checkout,
];

const receiverPaths = () => [
  '--user', USER,
  '--data-dir', path.join(target, 'data'),
  '--manifest', path.join(target, 'etc', 'training_manifest.toml'),
  '--env-file', path.join(target, 'etc', 'receiver.env'),
  '--unit-dir', path.join(target, 'units'),
  '--checkout', checkout,
];

describe('install scripts', () => {
  it.each([WORKER, RECEIVER, path.join(SCRIPTS, 'install-common.sh')])('%s is valid bash', (script) => {
    expect(spawnSync('bash', ['-n', script], { encoding: 'utf8' })).toEqual(
      expect.objectContaining({ status: 0, stderr: '' }),
    );
  });
});

describe('install-common.sh file steps, for real', () => {
  // Runs the steps as the current user into the temp dir: no root or systemd needed.
  const steps = (script: string, env: Record<string, string>) =>
    spawnSync('bash', ['-c', `set -euo pipefail; . "$COMMON"; ${script}`], {
      encoding: 'utf8',
      env: { ...process.env, COMMON: path.join(SCRIPTS, 'install-common.sh'), ...env },
    });

  it('writes a file with its mode once, then leaves it unchanged', () => {
    const dest = path.join(target, 'etc', 'worker.env');
    const twice = `ENV_KEYS=(CIS490_RECEIVER_URL CIS490_WORKER_TOKEN)
      for i in 1 2; do
        content=$(render_env_file "$DEST" "# header" "CIS490_RECEIVER_URL=$(env_quote 'http://r:1')" "CIS490_WORKER_TOKEN=$(env_quote "$TOKEN")")
        install_file "$DEST" 0600 "$(id -un)" "$content"
        echo "changed=$CHANGED"
      done`;

    const result = steps(twice, { DEST: dest, TOKEN });

    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.match(/changed=\d/g)).toEqual(['changed=1', 'changed=0']);
    expect(result.stdout).toContain(`unchanged: ${dest}`);
    expect(result.stdout).not.toContain(TOKEN);
    expect(fs.readFileSync(dest, 'utf8')).toBe(
      `# header\nCIS490_RECEIVER_URL="http://r:1"\nCIS490_WORKER_TOKEN="${TOKEN}"\n`,
    );
    expect(fs.statSync(dest).mode & 0o777).toBe(0o600);
  });

  it('hands a dir an earlier install left to another owner to the service user, and leaves an owned one alone', () => {
    const dir = path.join(target, 'data');
    fs.mkdirSync(path.join(dir, 'models'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'models', 'training_jobs.db'), '');
    const owned = steps('ensure_owned_tree "$DIR" "$(id -un)"', { DIR: dir });
    expect(owned).toEqual(expect.objectContaining({ status: 0, stdout: '' }));
    // Another owner is only for root to make; elsewhere the plan is enough.
    if (process.getuid?.() === 0) {
      fs.chownSync(path.join(dir, 'models', 'training_jobs.db'), 65534, 65534);
      const repaired = steps('ensure_owned_tree "$DIR" "$(id -un)"', { DIR: dir });
      expect(repaired.status).toBe(0);
      expect(repaired.stdout).toContain(`+ chown -R root:root ${dir}`);
      expect(fs.statSync(path.join(dir, 'models', 'training_jobs.db')).uid).toBe(0);
    }
  });

  it('repairs a loosened mode without rewriting the content', () => {
    const dest = path.join(target, 'worker.env');
    fs.writeFileSync(dest, 'A="b"\n', { mode: 0o644 });
    fs.chmodSync(dest, 0o644);

    const result = steps('install_file "$DEST" 0600 "$(id -un)" \'A="b"\'; echo "changed=$CHANGED"', { DEST: dest });

    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`+ chmod 0600 ${dest}`);
    expect(result.stdout).toContain('changed=0');
    expect(fs.statSync(dest).mode & 0o777).toBe(0o600);
  });
});

describe('install-training-worker.sh', () => {
  const required = () => ['--receiver', 'http://receiver.lab:8471', '--trainer', 'node /opt/trainer/train.js'];

  it('prints every action in a dry run and changes nothing', () => {
    const before = snapshot(tmp);
    const run = install(WORKER, [...required(), '--token-file', tokenFile, ...workerPaths(), '--dry-run']);

    expect(run).toEqual(expect.objectContaining({ status: 0 }));
    expect(snapshot(tmp)).toEqual(before);
    const envFile = path.join(target, 'etc', 'worker.env');
    const unit = path.join(target, 'units', 'cis490-trainer-worker.service');
    const lines = run.stdout.split('\n');
    const planned = (pattern: RegExp) => lines.filter((l) => pattern.test(l));
    expect(planned(/^would run: useradd .*--system.* cis490-dryrun$/)).toHaveLength(1);
    expect(planned(/^would run: install -d -m 0750 -o cis490-dryrun .*\/target\/work$/)).toHaveLength(1);
    expect(planned(new RegExp(`^would run: install -m 0600 -o root -g root /dev/stdin ${envFile}$`))).toHaveLength(1);
    expect(planned(new RegExp(`^would run: install -m 0644 -o root -g root /dev/stdin ${unit}$`))).toHaveLength(1);
    expect(planned(/^would run: systemd-run .*--uid=cis490-dryrun .*main\.js self-test$/)).toHaveLength(1);
    expect(planned(/^would run: systemctl enable cis490-trainer-worker\.service$/)).toHaveLength(1);
    expect(planned(/^would run: systemctl start cis490-trainer-worker\.service$/)).toHaveLength(1);
    // Enabling comes after the self-test that gates it.
    expect(lines.findIndex((l) => l.includes('systemctl enable'))).toBeGreaterThan(
      lines.findIndex((l) => l.includes('self-test')),
    );

    expect(`${run.stdout}${run.stderr}`).not.toContain(TOKEN);
    const env = plannedContent(run.stdout, envFile);
    expect(env).toContain('CIS490_RECEIVER_URL="http://receiver.lab:8471"\n');
    expect(env).toContain('CIS490_TRAINER_CMD="node /opt/trainer/train.js"\n');
    expect(env).toContain('CIS490_WORKER_TOKEN=<redacted>\n');
    const unitText = plannedContent(run.stdout, unit);
    expect(unitText).toContain(`\nExecStart=/usr/bin/env node ${checkout}/dist/apps/worker/src/main.js run\n`);
    expect(unitText).toContain(`\nUser=${USER}\n`);
    expect(unitText).toContain(`\nEnvironmentFile=${envFile}\n`);
    expect(unitText).toContain(`\nReadWritePaths=${path.join(target, 'work')}\n`);
    expect(unitText).not.toContain('/opt/cis490-fleet');
  });

  it('runs as a user of its own by default, never the receiver\'s, with the env file root-only', () => {
    const args = [...required(), ...workerPaths().filter((a, i, all) => a !== '--user' && all[i - 1] !== '--user'), '--dry-run'];
    const run = install(WORKER, args);
    expect(run.status).toBe(0);
    const unit = plannedContent(run.stdout, path.join(target, 'units', 'cis490-trainer-worker.service'));
    expect(unit).toMatch(/^User=cis490-worker$/m);
    expect(unit).toMatch(/^InaccessiblePaths=.*\/etc\/cis490\/receiver\.env/m);
    expect(run.stdout).toMatch(/--uid=cis490-worker /);
    expect(run.stdout).toContain(`install -m 0600 -o root -g root /dev/stdin ${path.join(target, 'etc', 'worker.env')}`);
    expect(install(WORKER, ['--help']).stdout).toContain('(default: cis490-worker)');
  });

  it('plans no write when the files already hold what it would write', () => {
    const envFile = path.join(target, 'etc', 'worker.env');
    const unit = path.join(target, 'units', 'cis490-trainer-worker.service');
    const args = [...required(), ...workerPaths(), '--dry-run'];
    const first = install(WORKER, args);
    expect(first.status).toBe(0);
    fs.mkdirSync(path.dirname(envFile));
    fs.writeFileSync(envFile, plannedContent(first.stdout, envFile), { mode: 0o600 });
    fs.mkdirSync(path.dirname(unit));
    fs.writeFileSync(unit, plannedContent(first.stdout, unit), { mode: 0o644 });

    const second = install(WORKER, args);

    expect(second.status).toBe(0);
    expect(second.stdout).not.toContain('/dev/stdin');
    expect(second.stdout).not.toContain('daemon-reload');
    // Owner and mode may differ from a real install here; only content decides "unchanged" writes.
    expect(second.stdout).toMatch(/^(unchanged: |would run: ch(own|mod) .*)/m);
  });

  it('keeps the token and variables set by hand when re-run without --token-file', () => {
    const envFile = path.join(target, 'etc', 'worker.env');
    fs.mkdirSync(path.dirname(envFile));
    fs.writeFileSync(
      envFile,
      'CIS490_RECEIVER_URL="http://old:8471"\nCIS490_WORKER_TOKEN="kept-token-123456"\nCIS490_POLL_S=7\nLAB_PROXY=http://proxy:3128\n',
    );

    const run = install(WORKER, [...required(), ...workerPaths(), '--dry-run']);

    expect(run.status).toBe(0);
    const env = plannedContent(run.stdout, envFile).split('\n');
    expect(env.filter((l) => l.startsWith('CIS490_RECEIVER_URL='))).toEqual([
      'CIS490_RECEIVER_URL="http://receiver.lab:8471"',
    ]);
    expect(env).toContain('CIS490_WORKER_TOKEN=<redacted>');
    expect(env).toContain('CIS490_POLL_S=7');
    expect(env).toContain('LAB_PROXY=http://proxy:3128');
    expect(run.stdout).not.toContain('kept-token-123456');
  });

  it.each([
    [['--trainer', 'node /t.js'], '--receiver is required'],
    [['--receiver', 'http://r:8471'], '--trainer is required'],
    [['--receiver', 'http://r:8471', '--trainer', 'x', '--recever', 'y'], 'unknown option: --recever'],
    [['--receiver', 'http://r:8471', '--trainer'], '--trainer needs a value'],
  ])('exits 2 with usage for %j', (args, message) => {
    const run = install(WORKER, [...args, '--dry-run']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`error: ${message}`);
    expect(run.stderr).toMatch(/^usage: install-training-worker\.sh --receiver URL\[,URL\.\.\.\] --trainer CMD/m);
    expect(run.stdout).toBe('');
  });

  it('writes several receivers as one comma list, in order, each without a trailing slash, once', () => {
    const envFile = path.join(target, 'etc', 'worker.env');
    const receivers = 'http://rx1.lab:8471/, https://rx2.lab/fleet ,http://rx1.lab:8471';
    const run = install(WORKER, ['--receiver', receivers, '--trainer', 'node /t.js', ...workerPaths(), '--dry-run']);
    expect(run.status).toBe(0);
    expect(plannedContent(run.stdout, envFile)).toContain('CIS490_RECEIVER_URL="http://rx1.lab:8471,https://rx2.lab/fleet"\n');
  });

  it.each([
    ['http://rx1.lab:8471,,http://rx2.lab:8471', '--receiver element 2 of 3 is empty'],
    ['http://rx1.lab:8471,', '--receiver element 2 of 2 is empty'],
    ['http://rx1.lab:8471,rx2.lab:8471', '--receiver element 2 of 2 must be an http:// or https:// URL, got: rx2.lab:8471'],
    ['receiver.lab', '--receiver must be an http:// or https:// URL, got: receiver.lab'],
  ])('refuses --receiver %j before doing anything, naming the element', (receivers, message) => {
    const run = install(WORKER, ['--receiver', receivers, '--trainer', 'node /t.js', ...workerPaths(), '--dry-run']);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`error: ${run.stderr.slice(7).split('\n')[0]}\n`);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe('');
  });

  it('refuses a checkout that is not built, before doing anything', () => {
    fs.rmSync(path.join(checkout, 'dist'), { recursive: true });
    const run = install(WORKER, [...required(), ...workerPaths(), '--dry-run']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('npm ci && npm run build');
    expect(run.stdout).not.toContain('would run');
  });

  it('refuses a malformed token without showing it', () => {
    fs.writeFileSync(tokenFile, 'short\n');
    const run = install(WORKER, [...required(), '--token-file', tokenFile, ...workerPaths(), '--dry-run']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('at least 8 characters');
    expect(`${run.stdout}${run.stderr}`).not.toContain('short');
  });

  it('refuses a trainer command the env file could not carry literally', () => {
    const run = install(WORKER, ['--receiver', 'http://r:8471', '--trainer', 'python3 $HOME/t.py', ...workerPaths(), '--dry-run']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('--trainer must not contain $');
  });

  (process.getuid?.() === 0 ? it.skip : it)('needs root for a real run', () => {
    const run = install(WORKER, [...required(), ...workerPaths()]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('run this as root');
    expect(run.stdout).toBe('');
  });

  const hasSystemdAnalyze = spawnSync('sh', ['-c', 'command -v systemd-analyze']).status === 0;
  (hasSystemdAnalyze ? it : it.skip)('installs a unit that systemd-analyze verify accepts', () => {
    const unit = path.join(target, 'units', 'cis490-trainer-worker.service');
    const run = install(WORKER, [...required(), ...workerPaths(), '--dry-run']);
    const rendered = path.join(tmp, 'cis490-trainer-worker.service');
    fs.writeFileSync(rendered, plannedContent(run.stdout, unit));
    const verify = spawnSync('systemd-analyze', ['verify', rendered], { encoding: 'utf8' });
    expect(verify.status).toBe(0);
    expect(`${verify.stdout}${verify.stderr}`.split('\n').filter((l) => l.includes(rendered))).toEqual([]);
  });
});

describe('install-trainer-receiver.sh', () => {
  it('prints every action in a dry run and changes nothing', () => {
    const before = snapshot(tmp);
    const run = install(RECEIVER, ['--operator-token-file', tokenFile, '--port', '9000', ...receiverPaths(), '--dry-run']);

    expect(run).toEqual(expect.objectContaining({ status: 0 }));
    expect(snapshot(tmp)).toEqual(before);
    const envFile = path.join(target, 'etc', 'receiver.env');
    const manifest = path.join(target, 'etc', 'training_manifest.toml');
    const lines = run.stdout.split('\n');
    const planned = (pattern: RegExp) => lines.filter((l) => pattern.test(l));
    expect(planned(/^would run: useradd .* cis490-dryrun$/)).toHaveLength(1);
    expect(planned(/^would run: install -d -m 0750 -o cis490-dryrun .*\/target\/data$/)).toHaveLength(1);
    expect(planned(/^would run: install -d -m 0755 .*\/target\/etc$/)).toHaveLength(1);
    expect(planned(new RegExp(`^would run: install .*etc/training_manifest\\.toml\\.example ${manifest}$`))).toHaveLength(1);
    expect(planned(new RegExp(`^would run: install -m 0600 -o root -g root /dev/stdin ${envFile}$`))).toHaveLength(1);
    expect(planned(/^would run: install .*\/units\/cis490-trainer-receiver\.service$/)).toHaveLength(1);
    expect(planned(/^would run: systemctl enable cis490-trainer-receiver\.service$/)).toHaveLength(1);
    expect(run.stdout).toContain('would wait up to 30s for http://127.0.0.1:9000/v1/health');

    expect(`${run.stdout}${run.stderr}`).not.toContain(TOKEN);
    const env = plannedContent(run.stdout, envFile);
    expect(env).toContain('CIS490_PORT=9000\n');
    expect(env).toContain(`CIS490_MANIFEST="${manifest}"\n`);
    expect(env).toContain('CIS490_OPERATOR_TOKEN=<redacted>\n');
    const unit = plannedContent(run.stdout, path.join(target, 'units', 'cis490-trainer-receiver.service'));
    expect(unit).toContain(`\nExecStart=/usr/bin/env node ${checkout}/dist/apps/receiver/src/main.js\n`);
    expect(unit).toContain(`\nReadWritePaths=${path.join(target, 'data')}\n`);
  });

  it('runs as a user of its own by default, not the worker\'s, with the env file root-only', () => {
    const args = [...receiverPaths().filter((a, i, all) => a !== '--user' && all[i - 1] !== '--user'), '--dry-run'];
    const run = install(RECEIVER, args);
    expect(run.status).toBe(0);
    const unit = plannedContent(run.stdout, path.join(target, 'units', 'cis490-trainer-receiver.service'));
    expect(unit).toMatch(/^User=cis490-receiver$/m);
    expect(run.stdout).toContain(`install -m 0600 -o root -g root /dev/stdin ${path.join(target, 'etc', 'receiver.env')}`);
    expect(install(RECEIVER, ['--help']).stdout).toContain('(default: cis490-receiver)');
  });

  it('never overwrites an existing manifest', () => {
    const manifest = path.join(target, 'etc', 'training_manifest.toml');
    fs.mkdirSync(path.dirname(manifest));
    fs.writeFileSync(manifest, '[defaults]\n');
    const run = install(RECEIVER, [...receiverPaths(), '--dry-run']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`unchanged: ${manifest} exists`);
    expect(run.stdout).not.toContain('training_manifest.toml.example');
    expect(run.stderr).toContain('no operator token');
  });

  it.each([
    [['--port', 'http'], '--port must be 1-65535'],
    [['--port', '80'], '--port 80 is privileged'],
    [['--listen-host', 'a b'], '--listen-host must be'],
  ])('rejects %j', (args, message) => {
    const run = install(RECEIVER, [...receiverPaths(), ...args, '--dry-run']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(message);
  });

  it('exits 2 with usage on an unknown option', () => {
    const run = install(RECEIVER, ['--data-dri', '/x', '--dry-run']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('error: unknown option: --data-dri');
    expect(run.stderr).toMatch(/^usage: install-trainer-receiver\.sh/m);
  });
});

describe('--ca, --cert and --key (SPEC §12)', () => {
  const tls = () => {
    const lab = makeLabCa(path.join(tmp, 'lab'), ['lab1', 'lab2']);
    return { lab, args: ['--ca', lab.ca, '--cert', lab.host('lab1').cert, '--key', lab.host('lab1').key] };
  };
  const workerArgs = () => ['--receiver', 'https://receiver.lab:8471', '--trainer', 'node /opt/trainer/train.js', ...workerPaths()];

  it.each([
    ['install-training-worker.sh', WORKER, 'worker', workerArgs],
    ['install-trainer-receiver.sh', RECEIVER, 'receiver', receiverPaths],
  ])('%s copies them readable by the service user only and points CIS490_TLS_* at the copies', (_name, script, stem, args) => {
    const { lab, args: tlsArgs } = tls();
    const run = install(script, [...args(), ...tlsArgs, '--dry-run']);
    expect(run).toMatchObject({ status: 0 });
    const dir = path.join(target, 'etc', `${stem}-tls`);
    const lines = run.stdout.split('\n');
    expect(lines).toContain(`would run: install -d -m 0700 -o ${USER} -g ${USER} ${dir}`);
    expect(lines).toContain(`would run: install -m 0600 -o ${USER} -g ${USER} ${lab.ca} ${dir}/ca.crt`);
    expect(lines).toContain(`would run: install -m 0600 -o ${USER} -g ${USER} ${lab.host('lab1').cert} ${dir}/${stem}.crt`);
    expect(lines).toContain(`would run: install -m 0600 -o ${USER} -g ${USER} ${lab.host('lab1').key} ${dir}/${stem}.key`);
    const env = plannedContent(run.stdout, path.join(target, 'etc', `${stem}.env`));
    expect(env).toContain(`CIS490_TLS_CA="${dir}/ca.crt"\n`);
    expect(env).toContain(`CIS490_TLS_CERT="${dir}/${stem}.crt"\n`);
    expect(env).toContain(`CIS490_TLS_KEY="${dir}/${stem}.key"\n`);
    // The key's content is never shown, not even in a dry run.
    const key = fs.readFileSync(lab.host('lab1').key, 'utf8').split('\n')[1];
    expect(`${run.stdout}${run.stderr}`).not.toContain(key);
  });

  it('refuses a key that is not the certificate\'s, and a --cert without --key, before doing anything', () => {
    const { lab } = tls();
    const wrong = install(WORKER, [...workerArgs(), '--cert', lab.host('lab1').cert, '--key', lab.host('lab2').key, '--dry-run']);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toBe(`error: --key: ${lab.host('lab2').key} is not the key of --cert ${lab.host('lab1').cert}\n`);
    expect(wrong.stdout).not.toContain('would run');
    const alone = install(WORKER, [...workerArgs(), '--cert', lab.host('lab1').cert, '--dry-run']);
    expect(alone.status).toBe(2);
    expect(alone.stderr).toMatch(/^error: --cert needs --key\n/);
  });
});

// No PowerShell on these machines: the script is read, not run. These pin
// down the choices that keep the trainer from running as the machine itself.
describe('install-training-worker-windows.ps1, read', () => {
  const script = fs.readFileSync(path.join(SCRIPTS, 'install-training-worker-windows.ps1'), 'utf8');
  /** The script's own lines, comments and help text left out. */
  const code = script
    .replace(/<#[\s\S]*?#>/g, '')
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n');
  const body = (fn: string) => {
    const at = code.indexOf(`function ${fn}(`);
    expect(at).toBeGreaterThanOrEqual(0);
    return code.slice(at, code.indexOf('\n}\n', at));
  };

  it('runs the task as a dedicated local user by default, never as SYSTEM', () => {
    expect(code).toMatch(/\[string\]\$ServiceUser = 'cis490-worker'/);
    expect(code).toMatch(/New-LocalUser -Name \$ServiceUser /);
    expect(code).toMatch(/\$Account = \$ServiceUser/);
    expect(code).not.toMatch(/'SYSTEM'|-LogonType|ServiceAccount|New-ScheduledTaskPrincipal/);
    // One way to register: with the account's credential.
    expect(code.match(/Register-ScheduledTask /g)).toHaveLength(1);
    expect(code).toMatch(/Register-ScheduledTask [^\n]*`\n\s+-User \$Credential\.UserName -Password /);
    // SYSTEM given on purpose is refused too.
    expect(code).toMatch(/-match '\^\(SYSTEM\|LocalSystem\|S-1-5-18\)\$'\) \{\n\s+Stop-WithError/);
  });

  it('resets owner and ACL of the env dir, work dir and env file on every run, existing or not', () => {
    for (const target of ['$EnvDir', '$WorkDir', '$EnvFile']) {
      // At the top level: not skipped when the path already exists.
      expect(code).toMatch(new RegExp(`^Set-InstallAcl \\${target} '`, 'm'));
    }
    expect(code).not.toMatch(/unchanged: \$EnvDir exists|unchanged: \$WorkDir exists/);
    const reset = body('Set-InstallAcl');
    expect(reset).toContain('$acl.SetOwner($admins)');
    expect(reset).toContain('$acl.SetAccessRuleProtection($true, $false)');
    expect(reset).toContain('Set-Acl -LiteralPath $Path -AclObject $acl');
    expect(reset).toContain('Reset-Tree');
    // Links and junctions someone planted are refused, not followed.
    expect(body('Reset-Tree')).toContain('Assert-NoLink $item');
    expect(body('Assert-NoLink')).toContain('ReparsePoint');
  });

  it('writes the token only into a file whose ACL was reset first', () => {
    expect(code.indexOf("Set-InstallAcl $EnvFile")).toBeGreaterThan(0);
    expect(code.indexOf("Set-InstallAcl $EnvFile")).toBeLessThan(code.indexOf('Invoke-Step "write $EnvFile"'));
  });
});
