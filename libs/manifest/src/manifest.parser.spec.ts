import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadManifest, parseManifest } from './manifest.parser';
import { Manifest, ManifestIssue } from './manifest.types';

/** What a job gets for each optional constraint and setting the manifest leaves out. */
const OPTIONAL_DEFAULTS = {
  require_cuda: false,
  prefer_cuda: false,
  min_vram_gib: 0,
  min_ram_gib: 0,
  allowed_hosts: [],
  gpus: 0,
  priority: 0,
  max_attempts: 3,
  timeout_s: 0,
  name: null,
  after: [],
  retry_on_exit_codes: [75, 137],
  retry_backoff_s: 30,
  retry_backoff_max_s: 3600,
};

/** `[defaults]` as parsed when it sets nothing. */
const BUILTIN = {
  max_attempts: 3,
  priority: 0,
  timeout_s: 0,
  gpus: null,
  retry_on_exit_codes: [75, 137],
  retry_backoff_s: 30,
  retry_backoff_max_s: 3600,
  name: null,
  after: [],
};

function manifestOf(source: string): Manifest {
  const result = parseManifest(source);
  if (!result.ok) throw new Error(`unexpected errors: ${JSON.stringify(result.errors)}`);
  return result.manifest;
}

function errorsOf(source: string): ManifestIssue[] {
  const result = parseManifest(source);
  if (result.ok) throw new Error('expected the manifest to be rejected');
  return result.errors;
}

const job = (extra = '') => `[[jobs]]\nmodel = "gbt"\nmode = "realistic"\n${extra}\n`;

/** SPEC §1's example, as an operator would copy it. */
const SPEC_EXAMPLE = `
[defaults]              # optional: defaults for every job and sweep
max_attempts = 3        # int >= 1
priority = 0            # int; higher is claimed first
timeout_s = 0           # int >= 0; 0 = no limit; the worker kills a trainer that runs longer

[models.gbt]            # optional: the hyper keys a model accepts, with their types
hyper = { n_estimators = "int", max_depth = "int", learning_rate = "float" }
                        # types: "int", "float" (accepts ints), "bool", "string", "array", "table"

[hosts.labpi]           # optional, keyed by hostname: capability caps + model policy
cuda = false            # a host declared cuda = false never gets CUDA jobs, whatever it detects
vram_gib = 0            # caps (numbers): the effective value is min(detected, declared)
ram_gib = 8
cores = 4
allow_jobs = ["gbt", "mlp"]   # models this host may train; absent = all
deny_jobs = []                # models this host never trains; deny wins over allow

[[jobs]]
model = "gbt"                 # required; ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$
mode = "realistic"            # required; same pattern
hyper = { n_estimators = 200, max_depth = 6 }   # table; default {}
split_recipe = "default"      # string; default "default"
train_hosts = ["lab1", "lab2"]  # hosts whose collected data the model trains on; default []
seed = 0                      # int; default 0
require_cuda = false          # only hosts with CUDA may claim it
prefer_cuda = false           # CUDA hosts take it first; CPU hosts take it last
min_vram_gib = 0              # > 0 makes the job CUDA-only, as if require_cuda = true
min_ram_gib = 0
allowed_hosts = []            # hostnames that may claim it; [] = any
priority = 0                  # overrides [defaults]
max_attempts = 3
timeout_s = 0

[[sweeps]]                    # expands into one job per point of the cartesian product
model = "mlp"
mode = ["oracle", "realistic"]      # a string or a list of strings
seed = [0, 1, 2]                    # an int or a list of ints
hyper = { lr = [0.01, 0.001], hidden = 64 }   # a list is an axis, a scalar is fixed
                                    # (to fix an array value, wrap it: layers = [[64, 32]])
# plus split_recipe, train_hosts (fixed values) and any constraint / priority / attempts /
# timeout field of [[jobs]], applied to every point
`;

describe('parseManifest: the SPEC example', () => {
  const result = parseManifest(SPEC_EXAMPLE);

  it('parses without errors or warnings', () => {
    expect(result).toMatchObject({ ok: true, warnings: [] });
  });

  it('yields the job, then the 2 × 3 × 2 sweep points', () => {
    const m = manifestOf(SPEC_EXAMPLE);
    expect(m.jobs).toHaveLength(13);
    expect(m.jobs[0]).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{64}$/),
      model: 'gbt',
      mode: 'realistic',
      hyper: { n_estimators: 200, max_depth: 6 },
      split_recipe: 'default',
      train_hosts: ['lab1', 'lab2'],
      seed: 0,
      ...OPTIONAL_DEFAULTS,
      manifest_order: 0,
    });
    expect(m.jobs.map((j) => j.manifest_order)).toEqual([...Array(13).keys()]);
    expect(new Set(m.jobs.map((j) => j.id)).size).toBe(13);
  });

  it('hashes each job from its canonical identity', () => {
    const m = manifestOf(SPEC_EXAMPLE);
    const canonical =
      '{"hyper":{"max_depth":6,"n_estimators":200},"mode":"realistic","model":"gbt","seed":0,' +
      '"split_recipe":"default","train_hosts":["lab1","lab2"]}';
    expect(m.jobs[0].id).toBe(createHash('sha256').update(canonical).digest('hex'));
  });

  it('exposes defaults, model schemas and hosts', () => {
    const m = manifestOf(SPEC_EXAMPLE);
    expect(m.defaults).toEqual(BUILTIN);
    expect(m.models.gbt).toEqual({ hyper: { n_estimators: 'int', max_depth: 'int', learning_rate: 'float' } });
    expect(m.hosts.labpi).toEqual({
      hostname: 'labpi',
      cuda: false,
      vram_gib: 0,
      ram_gib: 8,
      cores: 4,
      allow_jobs: ['gbt', 'mlp'],
      deny_jobs: [],
    });
  });
});

describe('parseManifest: defaults and overrides', () => {
  it('accepts an empty manifest', () => {
    expect(parseManifest('')).toEqual({
      ok: true,
      manifest: { defaults: BUILTIN, models: {}, hosts: {}, jobs: [], names: {} },
      warnings: [],
    });
  });

  it('fills every optional job field', () => {
    const [j] = manifestOf(job()).jobs;
    expect(j).toMatchObject({
      hyper: {},
      split_recipe: 'default',
      train_hosts: [],
      seed: 0,
      ...OPTIONAL_DEFAULTS,
    });
  });

  it('takes [defaults] for jobs and sweeps that do not set a field, and per-entry values over them', () => {
    const m = manifestOf(`
[defaults]
max_attempts = 5
priority = 2
timeout_s = 3600
${job()}
${job('mode = "oracle"\npriority = -1\nmax_attempts = 1\ntimeout_s = 0').replace('mode = "realistic"\n', '')}
[[sweeps]]
model = "mlp"
mode = "a"
`);
    expect(m.defaults).toEqual({ ...BUILTIN, max_attempts: 5, priority: 2, timeout_s: 3600 });
    expect(m.jobs.map(({ priority, max_attempts, timeout_s }) => [priority, max_attempts, timeout_s])).toEqual([
      [2, 5, 3600],
      [-1, 1, 0],
      [2, 5, 3600],
    ]);
  });

  it('makes a job CUDA-only when min_vram_gib > 0, and keeps fractional amounts', () => {
    const m = manifestOf(job('min_vram_gib = 7.5\nmin_ram_gib = 1.5'));
    expect(m.jobs[0]).toMatchObject({ require_cuda: true, min_vram_gib: 7.5, min_ram_gib: 1.5 });
  });

  it('sorts train_hosts so that their order does not matter', () => {
    const m = manifestOf(job('train_hosts = ["lab2", "lab1"]'));
    expect(m.jobs[0].train_hosts).toEqual(['lab1', 'lab2']);
    expect(m.jobs[0].id).toBe(manifestOf(job('train_hosts = ["lab1", "lab2"]')).jobs[0].id);
  });

  it('keeps the id when only constraints, priority, attempts or timeout change', () => {
    const plain = manifestOf(job()).jobs[0].id;
    const edited = manifestOf(
      job('require_cuda = true\nprefer_cuda = true\nmin_ram_gib = 4\nallowed_hosts = ["gpu1"]\npriority = 9\nmax_attempts = 1\ntimeout_s = 60'),
    ).jobs[0].id;
    expect(edited).toBe(plain);
  });

  it('gives hyper values as JSON data: integers as numbers, nested tables as objects', () => {
    const m = manifestOf(job('hyper = { n = 3, lr = 1e-3, on = true, name = "x", layers = [64, 32], opt = { beta = 0.9 } }'));
    expect(m.jobs[0].hyper).toEqual({ n: 3, lr: 0.001, on: true, name: 'x', layers: [64, 32], opt: { beta: 0.9 } });
  });

  it('keeps a hyper key named __proto__ as data', () => {
    const m = manifestOf(job('hyper = { "__proto__" = 1 }'));
    expect(Object.keys(m.jobs[0].hyper)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(m.jobs[0].hyper)).toBe(Object.prototype);
  });

  it('reads multi-line strings', () => {
    const m = manifestOf(job('split_recipe = """\nby-week"""'));
    expect(m.jobs[0].split_recipe).toBe('by-week');
  });
});

describe('parseManifest: sweeps', () => {
  const sweep = (body: string) => `[[sweeps]]\nmodel = "mlp"\n${body}\n`;

  it('expands modes, then seeds, then hyper axes in key order, each in listed order', () => {
    const m = manifestOf(sweep('mode = ["b", "a"]\nseed = [1, 0]\nhyper = { z = [2, 1], fixed = "f", y = ["q", "p"] }'));
    expect(m.jobs.map((j) => `${j.mode} ${j.seed} y=${j.hyper.y} z=${j.hyper.z}`)).toEqual([
      'b 1 y=q z=2', 'b 1 y=q z=1', 'b 1 y=p z=2', 'b 1 y=p z=1',
      'b 0 y=q z=2', 'b 0 y=q z=1', 'b 0 y=p z=2', 'b 0 y=p z=1',
      'a 1 y=q z=2', 'a 1 y=q z=1', 'a 1 y=p z=2', 'a 1 y=p z=1',
      'a 0 y=q z=2', 'a 0 y=q z=1', 'a 0 y=p z=2', 'a 0 y=p z=1',
    ]);
    expect(m.jobs.every((j) => j.hyper.fixed === 'f')).toBe(true);
  });

  it('takes a single mode and seed, and seed 0 when none is given', () => {
    const m = manifestOf(sweep('mode = "oracle"\nhyper = { lr = [0.1, 0.01] }'));
    expect(m.jobs.map((j) => [j.mode, j.seed, j.hyper.lr])).toEqual([
      ['oracle', 0, 0.1],
      ['oracle', 0, 0.01],
    ]);
  });

  it('fixes a list value wrapped in a list, and sweeps over lists of lists', () => {
    const fixed = manifestOf(sweep('mode = "a"\nhyper = { layers = [[64, 32]] }'));
    expect(fixed.jobs.map((j) => j.hyper)).toEqual([{ layers: [64, 32] }]);
    const axis = manifestOf(sweep('mode = "a"\nhyper = { layers = [[64, 32], [128]] }'));
    expect(axis.jobs.map((j) => j.hyper)).toEqual([{ layers: [64, 32] }, { layers: [128] }]);
  });

  it('applies fixed fields and constraints to every point', () => {
    const m = manifestOf(
      sweep('mode = ["a", "b"]\nsplit_recipe = "s1"\ntrain_hosts = ["h2", "h1"]\nmin_vram_gib = 8\npriority = 4\nmax_attempts = 2\ntimeout_s = 9\nallowed_hosts = ["gpu1"]'),
    );
    for (const j of m.jobs) {
      expect(j).toMatchObject({
        split_recipe: 's1', train_hosts: ['h1', 'h2'], require_cuda: true, min_vram_gib: 8,
        priority: 4, max_attempts: 2, timeout_s: 9, allowed_hosts: ['gpu1'],
      });
    }
  });

  it('orders all [[jobs]] before the sweep points, wherever they are in the file', () => {
    const m = manifestOf(`${sweep('mode = ["s1", "s2"]')}${job()}`);
    expect(m.jobs.map((j) => [j.mode, j.manifest_order])).toEqual([
      ['realistic', 0],
      ['s1', 1],
      ['s2', 2],
    ]);
  });

  it('gives a point the same id as the equal [[jobs]] entry would have', () => {
    const fromSweep = manifestOf(sweep('mode = ["a", "b"]\nseed = [3]\nhyper = { lr = [0.5] }')).jobs[1];
    const single = manifestOf('[[jobs]]\nmodel = "mlp"\nmode = "b"\nseed = 3\nhyper = { lr = 0.5 }').jobs[0];
    expect(fromSweep.id).toBe(single.id);
  });

  it('expands 10,000 points with distinct ids', () => {
    const m = manifestOf(
      sweep('mode = ["a", "b", "c", "d"]\nseed = [0, 1, 2, 3, 4]\n' +
        `hyper = { i = [${[...Array(25).keys()].join(', ')}], j = [${[...Array(20).keys()].join(', ')}] }`),
    );
    expect(m.jobs).toHaveLength(10_000);
    expect(new Set(m.jobs.map((j) => j.id)).size).toBe(10_000);
  });
});

describe('parseManifest: validation errors', () => {
  const schema = '[models.gbt]\nhyper = { depth = "int", lr = "float", on = "bool", name = "string", layers = "array", opt = "table" }\n';
  const sweep = (body: string) => `[[sweeps]]\nmodel = "gbt"\nmode = "a"\n${body}\n`;

  it.each([
    ['an unknown top-level key', `jobz = 1\n${job()}`, 'jobz', 'unknown key (did you mean jobs?)'],
    ['an unknown job key', job('requre_cuda = true'), 'jobs[0].requre_cuda', 'unknown key (did you mean require_cuda?)'],
    ['an unknown sweep key', sweep('seeds = [1]'), 'sweeps[0].seeds', 'unknown key (did you mean seed?)'],
    ['an unknown defaults key', '[defaults]\npriorty = 1', 'defaults.priorty', 'unknown key (did you mean priority?)'],
    ['an unknown host key', '[hosts.labpi]\ngpu = true', 'hosts.labpi.gpu', 'unknown key'],
    ['an unknown model key', '[models.gbt]\nhyper = {}\ntypes = {}', 'models.gbt.types', 'unknown key'],
    ['a missing model', '[[jobs]]\nmode = "a"', 'jobs[0].model', 'required'],
    ['a missing mode', '[[jobs]]\nmodel = "a"', 'jobs[0].mode', 'required'],
    ['a model name with a bad first character', job().replace('"gbt"', '"-gbt"'), 'jobs[0].model', /^invalid model name "-gbt"/],
    ['a model name too long', job().replace('"gbt"', `"${'m'.repeat(65)}"`), 'jobs[0].model', /^invalid model name/],
    ['a mode name with a space', job().replace('"realistic"', '"real istic"'), 'jobs[0].mode', /^invalid mode name/],
    ['a model that is not a string', job().replace('"gbt"', '3'), 'jobs[0].model', 'must be a model name (a string), got integer 3'],
    ['hyper not a table', job('hyper = 3'), 'jobs[0].hyper', 'must be a table, got integer 3'],
    ['split_recipe not a string', job('split_recipe = 1'), 'jobs[0].split_recipe', 'must be a string, got integer 1'],
    ['an empty split_recipe', job('split_recipe = ""'), 'jobs[0].split_recipe', 'must not be empty'],
    ['train_hosts not a list', job('train_hosts = "lab1"'), 'jobs[0].train_hosts', 'must be a list, got string "lab1"'],
    ['a train host not a string', job('train_hosts = ["lab1", 2]'), 'jobs[0].train_hosts[1]', /non-empty hostname string, got integer 2/],
    ['an empty train host', job('train_hosts = [""]'), 'jobs[0].train_hosts[0]', /non-empty hostname string/],
    ['a repeated train host', job('train_hosts = ["a", "b", "a"]'), 'jobs[0].train_hosts[2]', 'duplicate of jobs[0].train_hosts[0] ("a")'],
    ['an empty allowed host', job('allowed_hosts = ["gpu1", ""]'), 'jobs[0].allowed_hosts[1]', /non-empty hostname string/],
    ['a negative seed', job('seed = -1'), 'jobs[0].seed', 'must be >= 0, got -1'],
    ['a float seed', job('seed = 1.0'), 'jobs[0].seed', 'must be an integer, got float 1'],
    ['an oversized seed', job('seed = 9007199254740993'), 'jobs[0].seed', /out of range/],
    ['require_cuda not a boolean', job('require_cuda = "yes"'), 'jobs[0].require_cuda', 'must be true or false, got string "yes"'],
    ['prefer_cuda not a boolean', job('prefer_cuda = 1'), 'jobs[0].prefer_cuda', 'must be true or false, got integer 1'],
    ['a negative min_vram_gib', job('min_vram_gib = -2'), 'jobs[0].min_vram_gib', 'must be >= 0, got -2'],
    ['a negative min_ram_gib', job('min_ram_gib = -0.5'), 'jobs[0].min_ram_gib', 'must be >= 0, got -0.5'],
    ['an infinite min_ram_gib', job('min_ram_gib = inf'), 'jobs[0].min_ram_gib', 'must be a finite number, got Infinity'],
    ['min_ram_gib as a string', job('min_ram_gib = "2"'), 'jobs[0].min_ram_gib', 'must be a number, got string "2"'],
    ['a fractional priority', job('priority = 1.5'), 'jobs[0].priority', 'must be an integer, got float 1.5'],
    ['max_attempts below 1', job('max_attempts = 0'), 'jobs[0].max_attempts', 'must be >= 1, got 0'],
    ['a negative timeout', job('timeout_s = -1'), 'jobs[0].timeout_s', 'must be >= 0, got -1'],
    ['defaults.max_attempts below 1', '[defaults]\nmax_attempts = 0', 'defaults.max_attempts', 'must be >= 1, got 0'],
    ['defaults.priority not an integer', '[defaults]\npriority = "high"', 'defaults.priority', /must be an integer/],
    ['defaults.timeout_s negative', '[defaults]\ntimeout_s = -5', 'defaults.timeout_s', 'must be >= 0, got -5'],
    ['defaults not a table', 'defaults = 1', 'defaults', 'must be a table, got integer 1'],
    ['a host cap below 0', '[hosts.labpi]\nram_gib = -1', 'hosts.labpi.ram_gib', 'must be >= 0, got -1'],
    ['a host cuda not a boolean', '[hosts.labpi]\ncuda = "no"', 'hosts.labpi.cuda', /must be true or false/],
    ['host cores as a string', '[hosts.labpi]\ncores = "4"', 'hosts.labpi.cores', /must be a number/],
    ['a bad model in allow_jobs', '[hosts.labpi]\nallow_jobs = ["gbt", "bad name"]', 'hosts.labpi.allow_jobs[1]', /^invalid model name/],
    ['deny_jobs not a list', '[hosts.labpi]\ndeny_jobs = "gbt"', 'hosts.labpi.deny_jobs', /must be a list/],
    ['a host entry not a table', 'hosts = { labpi = 1 }', 'hosts.labpi', 'must be a table, got integer 1'],
    ['a hostname with spaces', '[hosts."lab pi"]\ncores = 1', 'hosts."lab pi"', /contains whitespace/],
    ['an unknown hyper type', '[models.gbt]\nhyper = { lr = "flaot" }', 'models.gbt.hyper.lr', /^unknown type "flaot" \(did you mean float\?\): use one of "int", "float"/],
    ['a model without hyper', '[models.gbt]', 'models.gbt.hyper', /^required/],
    ['a model hyper not a table', '[models.gbt]\nhyper = 3', 'models.gbt.hyper', /must be a table/],
    ['a bad model name in [models]', '[models."bad name"]\nhyper = {}', 'models."bad name"', /^invalid model name/],
    ['jobs as a table', '[jobs]\nmodel = "gbt"', 'jobs', 'must be an array of tables ([[jobs]]), got a table'],
    ['a jobs item not a table', 'jobs = [1]', 'jobs[0]', 'must be a table, got integer 1'],
    ['a hyper key the schema lacks', schema + job('hyper = { depht = 3 }'), 'jobs[0].hyper.depht', 'unknown key for model gbt (did you mean depth?)'],
    ['a hyper key far from any in the schema', schema + job('hyper = { zzz = 3 }'), 'jobs[0].hyper.zzz', /^unknown key for model gbt \(it accepts depth, layers, lr, name, on, opt\)/],
    ['a float for an int', schema + job('hyper = { depth = 6.0 }'), 'jobs[0].hyper.depth', 'must be int (per [models.gbt].hyper), got float 6'],
    ['a string for a float', schema + job('hyper = { lr = "x" }'), 'jobs[0].hyper.lr', /^must be float/],
    ['an int for a bool', schema + job('hyper = { on = 1 }'), 'jobs[0].hyper.on', /^must be bool/],
    ['an int for a string', schema + job('hyper = { name = 1 }'), 'jobs[0].hyper.name', /^must be string/],
    ['a table for an array', schema + job('hyper = { layers = { a = 1 } }'), 'jobs[0].hyper.layers', /^must be array/],
    ['an array for a table', schema + job('hyper = { opt = [1] }'), 'jobs[0].hyper.opt', /^must be table/],
    ['a date in hyper', job('hyper = { start = 2024-01-01 }'), 'jobs[0].hyper.start', /dates and times are not supported/],
    ['a nested non-finite hyper value', job('hyper = { opt = { x = [1.0, nan] } }'), 'jobs[0].hyper.opt.x[1]', /finite number/],
    ['an empty mode list', '[[sweeps]]\nmodel = "gbt"\nmode = []', 'sweeps[0].mode', /^empty list: the sweep would produce no jobs/],
    ['an empty seed list', sweep('seed = []'), 'sweeps[0].seed', /^empty list/],
    ['an empty hyper axis', sweep('hyper = { lr = [] }'), 'sweeps[0].hyper.lr', /^empty list/],
    ['a repeated mode', '[[sweeps]]\nmodel = "gbt"\nmode = ["a", "b", "a"]', 'sweeps[0].mode[2]', /^repeats sweeps\[0\].mode\[0\]/],
    ['a repeated seed', sweep('seed = [0, 0]'), 'sweeps[0].seed[1]', /^repeats sweeps\[0\].seed\[0\]/],
    ['a repeated axis value', sweep('hyper = { lr = [0.1, 1, 1.0] }'), 'sweeps[0].hyper.lr[2]', /^repeats sweeps\[0\].hyper.lr\[1\]/],
    ['a bad mode in a list', '[[sweeps]]\nmodel = "gbt"\nmode = ["a", "b c"]', 'sweeps[0].mode[1]', /^invalid mode name/],
    ['a negative seed in a list', sweep('seed = [1, -1]'), 'sweeps[0].seed[1]', 'must be >= 0, got -1'],
    ['a wrong type in an axis', schema + sweep('hyper = { depth = [3, 4.5] }'), 'sweeps[0].hyper.depth[1]', /^must be int/],
    ['an array axis of scalars', schema + sweep('hyper = { layers = [64] }'), 'sweeps[0].hyper.layers[0]', /wrap it: \[\[\.\.\.\]\]/],
    ['a hyper key unknown to the sweep model', schema + sweep('hyper = { lrr = [1] }'), 'sweeps[0].hyper.lrr', /unknown key for model gbt \(did you mean lr\?\)/],
  ])('%s', (_name, source, path, message) => {
    const errors = errorsOf(source);
    const expected = typeof message === 'string' ? message : expect.stringMatching(message);
    expect(errors).toEqual([{ path, message: expected }]);
  });

  it('reports an int as fine where the schema says float', () => {
    expect(parseManifest(schema + job('hyper = { lr = 1 }')).ok).toBe(true);
  });

  it('reports a sweep too large to expand without expanding it', () => {
    const axis = `[${[...Array(20).keys()].join(', ')}]`;
    const errors = errorsOf(sweep(`hyper = { a = ${axis}, b = ${axis}, c = ${axis}, d = ${axis} }`));
    expect(errors).toEqual([{ path: 'sweeps[0]', message: expect.stringMatching(/^expands to 160000 jobs: a manifest may hold at most 100000/) }]);
  });

  it('reports every problem at once, across sections', () => {
    const errors = errorsOf(`
[defaults]
max_attempts = 0
[models.gbt]
hyper = { depth = "integer" }
[hosts.labpi]
ram_gib = -1
[[jobs]]
model = "gbt"
mode = "bad mode"
min_vram_gib = -1
requre_cuda = true
[[jobs]]
model = "x"
[[sweeps]]
model = "m"
mode = []
seed = 1.5
`);
    expect(errors.map((e) => e.path).sort()).toEqual(
      [
        'defaults.max_attempts',
        'models.gbt.hyper.depth',
        'hosts.labpi.ram_gib',
        'jobs[0].mode',
        'jobs[0].min_vram_gib',
        'jobs[0].requre_cuda',
        'jobs[1].mode',
        'sweeps[0].mode',
        'sweeps[0].seed',
      ].sort(),
    );
  });

  describe('duplicate jobs', () => {
    it('reports the later entry, naming the first and the id', () => {
      const m = manifestOf(job());
      const errors = errorsOf(`${job()}${job('mode = "other"').replace('mode = "realistic"\n', '')}${job('priority = 5\nmin_ram_gib = 2')}`);
      expect(errors).toEqual([{ path: 'jobs[2]', message: `same job as jobs[0] (id ${m.jobs[0].id.slice(0, 12)}…)` }]);
    });

    it('treats reordered train_hosts as the same job', () => {
      const errors = errorsOf(`${job('train_hosts = ["a", "b"]')}${job('train_hosts = ["b", "a"]')}`);
      expect(errors).toEqual([{ path: 'jobs[1]', message: expect.stringMatching(/^same job as jobs\[0\] \(id [0-9a-f]{12}…\)$/) }]);
    });

    it('reports sweep points that repeat a job or another sweep', () => {
      const errors = errorsOf(`
${job('seed = 1')}
[[sweeps]]
model = "gbt"
mode = ["realistic", "oracle"]
seed = [0, 1]
[[sweeps]]
model = "gbt"
mode = "oracle"
`);
      expect(errors).toEqual([
        { path: 'sweeps[0]', message: expect.stringMatching(/^point mode=realistic, seed=1 is the same job as jobs\[0\] \(id /) },
        {
          path: 'sweeps[1]',
          message: expect.stringMatching(/^point mode=oracle, seed=0 is the same job as sweeps\[0\] \(mode=oracle, seed=0\) \(id /),
        },
      ]);
    });

    it('caps the reports of one sweep and counts the rest', () => {
      const errors = errorsOf(`
[[sweeps]]
model = "gbt"
mode = "a"
seed = [${[...Array(30).keys()].join(', ')}]
[[sweeps]]
model = "gbt"
mode = "a"
seed = [${[...Array(30).keys()].join(', ')}]
`);
      expect(errors).toHaveLength(11);
      expect(errors[10]).toEqual({ path: 'sweeps[1]', message: 'and 20 more points that repeat earlier jobs' });
    });
  });
});

describe('parseManifest: TOML syntax errors', () => {
  it.each([
    ['a missing value', 'a = 1\n  b = \n', 2, 7, /Value can not be missing/],
    ['an unclosed table header', '[[jobs]]\nmodel = "x"\n[hosts\n', 3, 1, /Table header is not closed/],
    ['an unclosed multi-line string', 'x = 1\ny = """\nabc\n', 2, 5, /not close until the end of the file/],
    ['a duplicate key', '[[jobs]]\nmodel = "a"\n  model = "b"\n', 3, 3, /Duplicate property definition/],
  ])('%s: one error with line and column', (_name, source, line, column, message) => {
    expect(parseManifest(source)).toEqual({
      ok: false,
      errors: [{ path: '', line, column, message: expect.stringMatching(message) }],
      warnings: [],
    });
  });

  it('says it is TOML that is invalid, without repeating the source line', () => {
    const [error] = errorsOf('a = 1\nb = \n');
    expect(error.message).toBe('invalid TOML: Value can not be missing after euqal sign');
  });

  it('gives no position when j-toml names none', () => {
    const loneSurrogate = 'a = "\uD800"\n';
    expect(errorsOf(loneSurrogate)).toEqual([{ path: '', message: expect.stringMatching(/^invalid TOML: /) }]);
  });

  it('accepts a leading byte-order mark and CRLF line ends', () => {
    expect(manifestOf(`\uFEFF${job()}`.replace(/\n/g, '\r\n')).jobs).toHaveLength(1);
  });
});

describe('parseManifest: warnings', () => {
  const hosts = `
[hosts.labpi]
cuda = false
[hosts.gpu1]
deny_jobs = ["bert"]
`;

  it('warns about a job no declared host can run, with each host’s reason', () => {
    const result = parseManifest(`${hosts}${job()}[[jobs]]\nmodel = "bert"\nmode = "a"\nrequire_cuda = true\n`);
    expect(result).toMatchObject({ ok: true });
    expect(result.warnings).toEqual([
      { path: 'jobs[1]', message: 'no declared host can run it (labpi: needs CUDA; gpu1: model bert is denied on gpu1)' },
    ]);
  });

  it('warns once per sweep, whose points share their constraints', () => {
    const result = parseManifest(`${hosts}[[sweeps]]\nmodel = "bert"\nmode = ["a", "b"]\nmin_vram_gib = 8\n`);
    expect(result.warnings).toEqual([
      { path: 'sweeps[0]', message: 'no declared host can run it (labpi: needs CUDA; gpu1: model bert is denied on gpu1)' },
    ]);
  });

  it('treats what a host does not declare as unlimited', () => {
    const result = parseManifest(`[hosts.gpu1]\ncores = 8\n${job('min_vram_gib = 80\nmin_ram_gib = 512')}`);
    expect(result).toEqual(expect.objectContaining({ ok: true, warnings: [] }));
  });

  it('judges against declared caps and allowed_hosts', () => {
    const result = parseManifest(`[hosts.gpu1]\nvram_gib = 24\nram_gib = 64\n${job('min_vram_gib = 40')}${job('mode = "b"\nallowed_hosts = ["lab9"]').replace('mode = "realistic"\n', '')}`);
    expect(result.warnings).toEqual([
      { path: 'jobs[0]', message: 'no declared host can run it (gpu1: needs 40 GiB of VRAM)' },
      { path: 'jobs[1]', message: 'no declared host can run it (gpu1: may run only on lab9)' },
    ]);
  });

  it('does not warn when no host is declared', () => {
    expect(parseManifest(job('require_cuda = true\nallowed_hosts = ["x"]')).warnings).toEqual([]);
  });

  it('warns about host policies and schemas naming a model no job uses', () => {
    const result = parseManifest(`[models.gtb]\nhyper = {}\n[hosts.labpi]\nallow_jobs = ["gbt", "mpl"]\n${job()}`);
    expect(result.warnings).toEqual([
      { path: 'models.gtb', message: 'no job uses model gtb (did you mean gbt?)' },
      { path: 'hosts.labpi.allow_jobs[1]', message: 'no job uses model mpl' },
    ]);
  });

  it('returns warnings with errors too', () => {
    const result = parseManifest(`${hosts}[[jobs]]\nmodel = "bert"\nmode = "a"\nrequire_cuda = true\n${job('seed = -1')}`);
    expect(result.ok).toBe(false);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0].path).toBe('jobs[0]');
  });
});

describe('loadManifest', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cis490-manifest-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads and parses a file', () => {
    const file = path.join(dir, 'training_manifest.toml');
    fs.writeFileSync(file, SPEC_EXAMPLE);
    const result = loadManifest(file);
    expect(result.ok && result.manifest.jobs).toHaveLength(13);
  });

  it('reports a missing file as one error', () => {
    const file = path.join(dir, 'missing.toml');
    expect(loadManifest(file)).toEqual({
      ok: false,
      errors: [{ path: '', message: `cannot read ${file}: no such file or directory` }],
      warnings: [],
    });
  });

  it('reports a directory as one error', () => {
    const result = loadManifest(dir);
    expect(result).toMatchObject({ ok: false, errors: [{ path: '', message: expect.stringMatching(`^cannot read ${dir}: `) }] });
    expect(result.ok || result.errors).toHaveLength(1);
  });

  it('reports bytes that are not UTF-8 where they are', () => {
    const file = path.join(dir, 'latin1.toml');
    fs.writeFileSync(file, Buffer.concat([Buffer.from('[[jobs]]\nmodel = "caf'), Buffer.from([0xe9]), Buffer.from('"\n')]));
    expect(loadManifest(file)).toEqual({
      ok: false,
      errors: [{ path: '', message: 'invalid TOML: the file is not valid UTF-8', line: 2, column: 13 }],
      warnings: [],
    });
  });
});

describe('parseManifest: scheduling fields (SPEC §10)', () => {
  const named = (name: string, extra = '') => job(`name = "${name}"\n${extra}`).replace('"realistic"', `"${name}"`);
  const sweep = (body: string) => `[[sweeps]]\nmodel = "mlp"\nmode = ["a", "b"]\n${body}\n`;

  it('gives a job that needs no CUDA 0 GPUs, one that needs CUDA 1, and takes an explicit count', () => {
    const m = manifestOf(
      job('seed = 0') + job('seed = 1\nrequire_cuda = true') + job('seed = 2\nmin_vram_gib = 8') + job('seed = 3\ngpus = 4\nrequire_cuda = true'),
    );
    expect(m.jobs.map((j) => [j.require_cuda, j.gpus])).toEqual([
      [false, 0],
      [true, 1],
      [true, 1],
      [true, 4],
    ]);
  });

  it('makes a job with gpus > 0 need CUDA', () => {
    const [j] = manifestOf(job('gpus = 2')).jobs;
    expect(j).toMatchObject({ gpus: 2, require_cuda: true });
  });

  it('warns about a job that needs CUDA but holds no GPU', () => {
    const result = parseManifest(job('require_cuda = true\ngpus = 0'));
    expect(result).toMatchObject({ ok: true, warnings: [{ path: 'jobs[0].gpus', message: expect.stringMatching(/no GPU/) }] });
  });

  it('reads retries, backoff, name and after', () => {
    const m = manifestOf(
      named('prep') +
        named('train', 'after = ["prep"]\nretry_on_exit_codes = [1, 75, 255]\nretry_backoff_s = 0\nretry_backoff_max_s = 60'),
    );
    expect(m.jobs[1]).toMatchObject({
      name: 'train',
      after: ['prep'],
      retry_on_exit_codes: [1, 75, 255],
      retry_backoff_s: 0,
      retry_backoff_max_s: 60,
    });
    expect(m.jobs[0]).toMatchObject({ name: 'prep', after: [], retry_on_exit_codes: [75, 137], retry_backoff_s: 30 });
    expect(m.names).toEqual({ prep: [m.jobs[0].id], train: [m.jobs[1].id] });
  });

  it('takes every field from [defaults] where an entry does not set it, and the entry’s own over it', () => {
    const m = manifestOf(`
[defaults]
gpus = 2
retry_on_exit_codes = [3]
retry_backoff_s = 5
retry_backoff_max_s = 50
after = ["prep"]
${named('prep', 'after = []\ngpus = 0')}
${job('seed = 1')}
${sweep('retry_backoff_s = 7')}
`);
    expect(m.defaults).toMatchObject({ gpus: 2, retry_on_exit_codes: [3], retry_backoff_s: 5, retry_backoff_max_s: 50, after: ['prep'] });
    const pick = (j: Manifest['jobs'][number]) => [j.gpus, j.require_cuda, j.retry_on_exit_codes, j.retry_backoff_s, j.retry_backoff_max_s, j.after];
    expect(m.jobs.map(pick)).toEqual([
      [0, false, [3], 5, 50, []],
      [2, true, [3], 5, 50, ['prep']],
      [2, true, [3], 7, 50, ['prep']],
      [2, true, [3], 7, 50, ['prep']],
    ]);
  });

  it('takes a name from [defaults] for a single entry', () => {
    const m = manifestOf(`[defaults]\nname = "only"\n${job()}`);
    expect(m.jobs[0].name).toBe('only');
    expect(m.names).toEqual({ only: [m.jobs[0].id] });
  });

  it('applies a sweep’s fields to every point, its name naming them all', () => {
    const m = manifestOf(`${named('prep')}${sweep('name = "grid"\nafter = ["prep"]\ngpus = 1\nretry_on_exit_codes = [9]')}${job('seed = 5\nafter = ["grid"]')}`);
    const points = m.jobs.filter((j) => j.name === 'grid');
    expect(points).toHaveLength(2);
    for (const p of points) expect(p).toMatchObject({ after: ['prep'], gpus: 1, require_cuda: true, retry_on_exit_codes: [9] });
    expect(m.names.grid).toEqual(points.map((p) => p.id));
    expect(m.jobs.find((j) => j.seed === 5)?.after).toEqual(['grid']);
  });

  it('keeps job ids: none of the fields is identity', () => {
    const plain = manifestOf(job('hyper = { depth = 3 }')).jobs[0];
    const scheduled = manifestOf(
      `${named('prep')}${job('hyper = { depth = 3 }\ngpus = 3\nname = "x"\nafter = ["prep"]\nretry_on_exit_codes = [1]\nretry_backoff_s = 1\nretry_backoff_max_s = 2')}`,
    ).jobs[1];
    expect(scheduled.id).toBe(plain.id);
  });

  it.each([
    ['gpus not an integer', job('gpus = 1.5'), 'jobs[0].gpus', 'must be an integer, got float 1.5'],
    ['negative gpus', job('gpus = -1'), 'jobs[0].gpus', 'must be >= 0, got -1'],
    ['negative gpus in a sweep', sweep('gpus = -2'), 'sweeps[0].gpus', 'must be >= 0, got -2'],
    ['negative gpus in [defaults]', `[defaults]\ngpus = -1\n${job()}`, 'defaults.gpus', 'must be >= 0, got -1'],
    ['exit codes not a list', job('retry_on_exit_codes = 75'), 'jobs[0].retry_on_exit_codes', 'must be a list of exit codes, got integer 75'],
    ['an exit code above 255', job('retry_on_exit_codes = [75, 256]'), 'jobs[0].retry_on_exit_codes[1]', 'must be <= 255, got 256'],
    ['a negative exit code', job('retry_on_exit_codes = [-1]'), 'jobs[0].retry_on_exit_codes[0]', 'must be >= 0, got -1'],
    ['an exit code as a string', job('retry_on_exit_codes = ["75"]'), 'jobs[0].retry_on_exit_codes[0]', 'must be an integer, got string "75"'],
    ['a bad exit code in [defaults]', `[defaults]\nretry_on_exit_codes = [300]\n${job()}`, 'defaults.retry_on_exit_codes[0]', 'must be <= 255, got 300'],
    ['a negative backoff', job('retry_backoff_s = -5'), 'jobs[0].retry_backoff_s', 'must be >= 0, got -5'],
    ['a float backoff', sweep('retry_backoff_s = 0.5'), 'sweeps[0].retry_backoff_s', 'must be an integer, got float 0.5'],
    ['a negative backoff cap', job('retry_backoff_max_s = -1'), 'jobs[0].retry_backoff_max_s', 'must be >= 0, got -1'],
    ['a backoff cap as a string', `[defaults]\nretry_backoff_max_s = "1h"\n${job()}`, 'defaults.retry_backoff_max_s', 'must be an integer, got string "1h"'],
    ['a name with a space', job('name = "train gbt"'), 'jobs[0].name', expect.stringMatching(/^invalid job name "train gbt": use 1-64/)],
    ['a name not a string', sweep('name = 3'), 'sweeps[0].name', 'must be a job name (a string), got integer 3'],
    ['after not a list', `${named('prep')}${job('seed = 1\nafter = "prep"')}`, 'jobs[1].after', 'must be a list, got string "prep"'],
    ['a bad name in after', job('after = ["a b"]'), 'jobs[0].after[0]', expect.stringMatching(/^invalid job name "a b"/)],
    ['a name twice in after', `${named('prep')}${job('seed = 1\nafter = ["prep", "prep"]')}`, 'jobs[1].after[1]', 'duplicate of jobs[1].after[0] ("prep")'],
    ['an unknown key near after', job('afterr = []'), 'jobs[0].afterr', 'unknown key (did you mean after?)'],
  ])('reports %s at its path', (_name, source, path, message) => {
    expect(errorsOf(source)).toEqual([{ path, message }]);
  });

  it('reports an unknown name in after, suggesting the near miss', () => {
    expect(errorsOf(`${named('train-gbt')}${job('seed = 1\nafter = ["train-gtb", "nothing-like-it"]')}`)).toEqual([
      { path: 'jobs[1].after[0]', message: 'no job or sweep is named "train-gtb" (did you mean train-gbt?)' },
      { path: 'jobs[1].after[1]', message: 'no job or sweep is named "nothing-like-it"' },
    ]);
  });

  it('reports an unknown name in [defaults].after once', () => {
    expect(errorsOf(`[defaults]\nafter = ["ghost"]\n${job()}${job('seed = 1')}`)).toEqual([
      { path: 'defaults.after[0]', message: 'no job or sweep is named "ghost"' },
    ]);
  });

  it('does not call a name unknown when its entry has other errors', () => {
    expect(errorsOf(`${named('prep', 'gpus = -1')}${job('seed = 1\nafter = ["prep"]')}`)).toEqual([
      { path: 'jobs[0].gpus', message: 'must be >= 0, got -1' },
    ]);
  });

  it('reports two entries with one name at the later one', () => {
    expect(errorsOf(`${named('prep')}${sweep('name = "prep"')}`)).toEqual([
      { path: 'sweeps[0].name', message: 'duplicate name "prep": jobs[0].name has it too' },
    ]);
  });

  it('reports a [defaults] name taken by more than one entry', () => {
    expect(errorsOf(`[defaults]\nname = "all"\n${job()}${job('seed = 1')}`)).toEqual([
      { path: 'jobs[1]', message: 'takes name "all" from [defaults], as jobs[0] (from [defaults]) does: a name must be unique' },
    ]);
  });

  it('reports a job after itself', () => {
    expect(errorsOf(named('loop', 'after = ["loop"]'))).toEqual([
      { path: 'jobs[0].after[0]', message: 'names the entry itself: a job cannot wait for itself' },
    ]);
  });

  it('reports a sweep after itself through [defaults]', () => {
    expect(errorsOf(`[defaults]\nafter = ["grid"]\n${sweep('name = "grid"')}`)).toEqual([
      { path: 'defaults.after[0]', message: 'names the entry itself, which sweeps[0] takes from [defaults]: a job cannot wait for itself' },
    ]);
  });

  it('reports a cycle once, with its names in the order they wait', () => {
    const errors = errorsOf(
      named('a', 'after = ["c"]') + named('b', 'after = ["a"]') + sweep('name = "c"\nafter = ["x", "b"]') + named('x'),
    );
    expect(errors).toEqual([{ path: 'jobs[1].after[0]', message: 'cycle: b → a → c → b (each waits for the next)' }]);
  });

  it('accepts a diamond: two paths to one job are not a cycle', () => {
    const m = manifestOf(named('a') + named('b', 'after = ["a"]') + named('c', 'after = ["a"]') + named('d', 'after = ["b", "c"]'));
    expect(m.jobs.map((j) => j.after)).toEqual([[], ['a'], ['a'], ['b', 'c']]);
  });
});
