import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { effectiveWorker, ineligibility, loadManifest, Manifest } from '@cis490/manifest';

const ETC = path.join(__dirname, '..', 'etc');
const read = (name: string) => fs.readFileSync(path.join(ETC, name), 'utf8');
const UNITS = ['cis490-trainer-receiver.service', 'cis490-trainer-worker.service'];

/** `[Service]` settings as key → every value given (keys like Environment= repeat). */
function serviceSection(unit: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  let section = '';
  for (const raw of unit.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) section = line;
    else if (section === '[Service]' && /^[A-Za-z]+=/.test(line)) {
      const at = line.indexOf('=');
      const key = line.slice(0, at);
      settings.set(key, [...(settings.get(key) ?? []), line.slice(at + 1)]);
    }
  }
  return settings;
}

const seconds = (value: string) => {
  const m = /^(\d+)(s|min)?$/.exec(value);
  if (!m) throw new Error(`not a simple duration: ${value}`);
  return Number(m[1]) * (m[2] === 'min' ? 60 : 1);
};

describe('systemd units', () => {
  it.each([
    ['cis490-trainer-receiver.service', '/etc/cis490/receiver.env', 'dist/apps/receiver/src/main.js'],
    ['cis490-trainer-worker.service', '/etc/cis490/worker.env', 'dist/apps/worker/src/main.js run'],
  ])('%s has the SPEC §7 hardening and runs the built entry point', (name, envFile, entry) => {
    const service = serviceSection(read(name));
    expect(service.get('EnvironmentFile')).toEqual([envFile]);
    expect(service.get('NoNewPrivileges')).toEqual(['yes']);
    expect(service.get('ProtectSystem')).toEqual(['strict']);
    expect(service.get('PrivateTmp')).toEqual(['yes']);
    expect(service.get('Restart')).toEqual(['on-failure']);
    expect(service.get('ProtectHome')).toEqual(['read-only']);
    expect(service.get('ExecStart')).toEqual([`/usr/bin/env node /opt/cis490-fleet/${entry}`]);
    // ProtectSystem=strict leaves the state dir as the only writable place: it must be named.
    const stateDir = `/var/lib/${service.get('StateDirectory')?.[0]}`;
    expect(service.get('ReadWritePaths')).toEqual([stateDir]);
    expect(read(name)).toMatch(/^After=network-online\.target$/m);
  });

  it('run as two users, each unable to reach the other\'s env file and state dir', () => {
    const [receiver, worker] = UNITS.map((name) => serviceSection(read(name)));
    expect(receiver.get('User')).toEqual(['cis490-receiver']);
    expect(receiver.get('Group')).toEqual(['cis490-receiver']);
    expect(worker.get('User')).toEqual(['cis490-worker']);
    expect(worker.get('Group')).toEqual(['cis490-worker']);
    const inaccessible = (s: Map<string, string[]>) => (s.get('InaccessiblePaths') ?? []).join(' ').split(/\s+/);
    const stateOf = (s: Map<string, string[]>) => `-/var/lib/${s.get('StateDirectory')?.[0]}`;
    // "-": a host without the other service has no such path, and the unit still starts.
    expect(inaccessible(worker)).toEqual(expect.arrayContaining([`-${receiver.get('EnvironmentFile')![0]}`, stateOf(receiver)]));
    expect(inaccessible(receiver)).toEqual(expect.arrayContaining([`-${worker.get('EnvironmentFile')![0]}`, stateOf(worker)]));
    for (const s of [receiver, worker]) expect(s.get('ProtectProc')).toEqual(['invisible']);
  });

  it('lets the worker reach GPUs and release its job before systemd kills it', () => {
    const service = serviceSection(read('cis490-trainer-worker.service'));
    expect(service.has('PrivateDevices')).toBe(false);
    expect(service.has('DevicePolicy')).toBe(false);
    expect(service.get('KillMode')).toEqual(['mixed']);
    const killGraceS = Number(/^CIS490_KILL_GRACE_S=(\d+)$/m.exec(read('worker.env.example'))?.[1]);
    expect(killGraceS).toBe(10);
    // The grace runs out, then the worker still has to tell the receiver.
    expect(seconds(service.get('TimeoutStopSec')![0])).toBeGreaterThanOrEqual(killGraceS + 30);
  });

  const hasSystemdAnalyze = spawnSync('sh', ['-c', 'command -v systemd-analyze']).status === 0;
  (hasSystemdAnalyze ? it : it.skip)('pass systemd-analyze verify without a complaint', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cis490-units-'));
    try {
      const files = UNITS.map((name) => {
        fs.copyFileSync(path.join(ETC, name), path.join(dir, name));
        return path.join(dir, name);
      });
      const result = spawnSync('systemd-analyze', ['verify', ...files], { encoding: 'utf8' });
      expect(result.status).toBe(0);
      // verify reports unknown keys and bad values as warnings with exit 0: any line naming the file is one.
      const complaints = `${result.stdout}${result.stderr}`.split('\n').filter((l) => l.includes(dir));
      expect(complaints).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** `KEY=value` and `#KEY=value` lines: every variable the file documents. */
function documented(file: string): Map<string, { value: string; set: boolean; comment: string }> {
  const lines = read(file).split('\n');
  const vars = new Map<string, { value: string; set: boolean; comment: string }>();
  lines.forEach((line, i) => {
    const m = /^(#)?(CIS490_[A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m || vars.has(m[2])) return;
    let above = i - 1;
    while (above >= 0 && /^#CIS490_/.test(lines[above])) above--; // grouped variables share a comment
    vars.set(m[2], { value: m[3], set: !m[1], comment: lines[above] ?? '' });
  });
  return vars;
}

describe('env file examples', () => {
  it.each([
    [
      'receiver.env.example',
      {
        CIS490_LISTEN_HOST: '127.0.0.1',
        CIS490_PORT: '8471',
        CIS490_DATA_DIR: './var',
        CIS490_MANIFEST: 'etc/training_manifest.toml',
        CIS490_OPERATOR_TOKEN: null,
        CIS490_WORKER_TOKEN: null,
        CIS490_STALE_AFTER_S: '600',
        CIS490_SWEEP_INTERVAL_S: '30',
        CIS490_HEARTBEAT_INTERVAL_S: '30',
        CIS490_MAX_UPLOAD_BYTES: '10737418240',
        CIS490_TLS_CERT: null,
        CIS490_TLS_KEY: null,
        CIS490_TLS_CA: null,
        CIS490_DATABASE_URL: null,
      },
    ],
    [
      'worker.env.example',
      {
        CIS490_RECEIVER_URL: 'http://127.0.0.1:8471',
        CIS490_TRAINER_CMD: null,
        CIS490_WORK_DIR: null,
        CIS490_WORKER_ID: null,
        CIS490_WORKER_TOKEN: null,
        CIS490_ALLOW_JOBS: null,
        CIS490_DENY_JOBS: null,
        CIS490_POLL_S: null,
        CIS490_KILL_GRACE_S: '10',
      },
    ],
  ])('%s documents every SPEC variable with its default', (file, spec: Record<string, string | null>) => {
    const vars = documented(file);
    expect([...vars.keys()].sort()).toEqual(Object.keys(spec).sort());
    for (const [name, value] of Object.entries(spec)) {
      const entry = vars.get(name)!;
      // null: unset by default, so the line is commented out.
      expect({ name, set: entry.set, value: entry.set ? entry.value : null }).toEqual({
        name,
        set: value !== null,
        value,
      });
      expect({ name, comment: entry.comment }).toEqual({ name, comment: expect.stringMatching(/^# \S/) });
    }
  });
});

describe('training_manifest.toml.example', () => {
  let manifest: Manifest;

  beforeAll(() => {
    const result = loadManifest(path.join(ETC, 'training_manifest.toml.example'));
    expect(result).toEqual(expect.objectContaining({ ok: true, warnings: [] }));
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    manifest = result.manifest;
  });

  it('declares the hyper schemas of the example trainer', () => {
    expect(manifest.models.gbt.hyper).toEqual({ n_estimators: 'int', max_depth: 'int', learning_rate: 'float' });
    expect(manifest.models.mlp.hyper).toEqual(
      expect.objectContaining({ lr: 'float', hidden: 'int', layers: 'array', epochs: 'int', batch_size: 'int' }),
    );
    expect(manifest.models.logreg.hyper).toEqual({ lr: 'float', epochs: 'int', l2: 'float' });
  });

  it('declares a Pi-class CPU host, a CUDA host and a Windows CPU host', () => {
    expect(manifest.hosts.labpi).toEqual(
      expect.objectContaining({ cuda: false, ram_gib: 8, cores: 4, deny_jobs: ['transformer'] }),
    );
    expect(manifest.hosts.gpu1).toEqual(expect.objectContaining({ vram_gib: 24 }));
    expect(manifest.hosts.gpu1.cuda).not.toBe(false);
    expect(manifest.hosts.winlab).toEqual(expect.objectContaining({ cuda: false }));
  });

  it('gives a CPU-only demo worker 11 jobs and keeps the transformer for CUDA', () => {
    const demo = effectiveWorker({
      hostname: 'demo-host',
      capability: { cuda: false, vram_gib: 0, ram_gib: 8, cores: 2 },
    });
    const cpu = manifest.jobs.filter((job) => ineligibility(job, demo) === null);
    expect(cpu.map((job) => job.model).sort()).toEqual(
      ['ensemble', 'gbt', 'gbt', 'logreg', 'logreg', 'mlp', 'mlp', 'mlp', 'mlp', 'mlp', 'test'],
    );
    expect(cpu.filter((job) => job.prefer_cuda)).toHaveLength(1);
    expect(new Set(cpu.map((job) => job.mode))).toEqual(new Set(['oracle', 'realistic', 'flaky']));

    const [transformer, ...others] = manifest.jobs.filter((job) => !cpu.includes(job));
    expect(others).toEqual([]);
    expect(transformer).toEqual(
      expect.objectContaining({ model: 'transformer', require_cuda: true, min_vram_gib: 16 }),
    );
    expect(ineligibility(transformer, demo)).toBe('needs CUDA');
    const gpu1 = effectiveWorker(
      { hostname: 'gpu1', capability: { cuda: true, vram_gib: 24, ram_gib: 64, cores: 16 } },
      manifest.hosts.gpu1,
    );
    expect(ineligibility(transformer, gpu1)).toBeNull();
  });

  it('has a pipeline and a job that retries a transient exit code', () => {
    const ensemble = manifest.jobs.find((job) => job.model === 'ensemble')!;
    expect(ensemble.after).toEqual(['gbt-baseline', 'logreg-realistic']);
    expect(ensemble.after.map((name) => manifest.names[name])).toEqual([[expect.any(String)], [expect.any(String)]]);
    const flaky = manifest.jobs.find((job) => job.mode === 'flaky')!;
    expect(flaky).toMatchObject({ retry_on_exit_codes: [75, 137], retry_backoff_s: 2, hyper: { fail_attempts: 1 } });
  });

  it('expands the sweep into mode x lr', () => {
    const sweep = manifest.jobs.filter((job) => job.model === 'mlp' && job.hyper.hidden !== undefined);
    expect(sweep.map((job) => [job.mode, job.hyper.lr])).toEqual(
      expect.arrayContaining([
        ['oracle', 0.05],
        ['oracle', 0.01],
        ['realistic', 0.05],
        ['realistic', 0.01],
      ]),
    );
    expect(sweep).toHaveLength(4);
  });
});
