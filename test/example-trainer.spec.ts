import { ChildProcess, spawn, spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { JobIdentity } from '@cis490/contract';
import { processGone } from './support/processes';
import { waitFor } from './support/wait-for';

/**
 * The example trainer as the worker runs it: a real `node train.js` process
 * per job, with job.json and out/ in a temp dir and the CIS490_* environment.
 */

const TRAINER = path.resolve(__dirname, '..', 'examples', 'trainer', 'train.js');

type TrainerJob = JobIdentity & { id?: string };

interface Metrics {
  train_accuracy: number;
  test_accuracy: number;
  train_loss: number;
  test_loss: number;
  n_train: number;
  n_test: number;
  epochs?: number;
  n_estimators?: number;
}

interface ModelFile {
  model: string;
  mode: string;
  seed: number;
  hyper: Record<string, unknown>;
  data: { sha256: string; n_train: number; n_test: number };
  params: Record<string, unknown>;
}

const tempDirs: string[] = [];
const groups: ChildProcess[] = [];

afterEach(() => {
  for (const child of groups.splice(0)) {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
});

afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function job(overrides: Partial<TrainerJob> = {}): TrainerJob {
  return {
    id: 'f'.repeat(64),
    model: 'logreg',
    mode: 'oracle',
    hyper: {},
    split_recipe: 'default',
    train_hosts: ['lab1'],
    seed: 0,
    ...overrides,
  };
}

/** A job directory laid out as the worker lays it out. */
function jobDir(j: TrainerJob): { dir: string; jobFile: string; outDir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cis490-trainer-'));
  tempDirs.push(dir);
  const jobFile = path.join(dir, 'job.json');
  fs.writeFileSync(jobFile, JSON.stringify(j));
  return { dir, jobFile, outDir: path.join(dir, 'out') };
}

function workerEnv(j: TrainerJob, jobFile: string, outDir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    CIS490_JOB_ID: j.id,
    CIS490_JOB_FILE: jobFile,
    CIS490_OUTPUT_DIR: outDir,
    CIS490_MODEL: j.model,
    CIS490_MODE: j.mode,
    CIS490_SEED: String(j.seed),
    CIS490_HYPER: JSON.stringify(j.hyper),
  };
}

/** Runs the trainer to its end; `withProgress` sets CIS490_PROGRESS_FILE as the worker does. */
function train(j: TrainerJob, withProgress = false): SpawnSyncReturns<string> & { outDir: string; progressFile: string } {
  const { dir, jobFile, outDir } = jobDir(j);
  const progressFile = path.join(dir, 'progress.jsonl');
  const result = spawnSync(process.execPath, [TRAINER, '--job-file', jobFile, '--out-dir', outDir], {
    cwd: dir,
    env: { ...workerEnv(j, jobFile, outDir), ...(withProgress ? { CIS490_PROGRESS_FILE: progressFile } : {}) },
    encoding: 'utf8',
  });
  return { ...result, outDir, progressFile };
}

const progressLines = (file: string) => fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;
const metricsOf = (outDir: string) => readJson<Metrics>(path.join(outDir, 'metrics.json'));
const modelOf = (outDir: string) => readJson<ModelFile>(path.join(outDir, 'model.json'));
const stderrLines = (r: { stderr: string }) => r.stderr.split('\n').filter((l) => l !== '');

describe('example trainer: real models', () => {
  const runs: Record<string, ReturnType<typeof train>> = {};

  beforeAll(() => {
    for (const model of ['logreg', 'mlp', 'gbt']) runs[model] = train(job({ model }));
  });

  it.each([
    ['logreg', 0.7],
    ['mlp', 0.85],
    ['gbt', 0.85],
  ])('%s trains on oracle data to test accuracy above %d', (model, floor) => {
    const run = runs[model];
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const metrics = metricsOf(run.outDir);
    expect(metrics.test_accuracy).toBeGreaterThan(floor);
    expect(metrics.train_loss).toBeLessThan(Math.log(2)); // better than a coin
    expect(metrics).toMatchObject({ n_train: 1600, n_test: 400 });
    for (const key of ['train_accuracy', 'test_accuracy', 'train_loss', 'test_loss'] as const) {
      expect(typeof metrics[key]).toBe('number');
    }
    const saved = modelOf(run.outDir);
    expect(saved).toMatchObject({ model, mode: 'oracle', seed: 0 });
    expect(Object.keys(saved.params).length).toBeGreaterThan(0);
    expect(run.stdout).toMatch(/(epoch|tree) \d+\/\d+ loss \d/);
  });

  it('the nonlinear models beat logistic regression on the same split', () => {
    const acc = (m: string) => metricsOf(runs[m].outDir).test_accuracy;
    expect(acc('mlp')).toBeGreaterThan(acc('logreg') + 0.05);
    expect(acc('gbt')).toBeGreaterThan(acc('logreg') + 0.05);
  });

  it('fills hyper defaults into model.json and reports epochs or trees in metrics', () => {
    expect(modelOf(runs.gbt.outDir).hyper).toEqual({ n_estimators: 100, max_depth: 3, learning_rate: 0.1 });
    expect(metricsOf(runs.gbt.outDir).n_estimators).toBe(100);
    expect(metricsOf(runs.logreg.outDir).epochs).toBe(200);
  });

  it('honours the hyper it is given', () => {
    const small = train(job({ model: 'gbt', hyper: { n_estimators: 3, max_depth: 1, learning_rate: 0.3 } }));
    expect(small.status).toBe(0);
    const trees = modelOf(small.outDir).params.trees as unknown[];
    expect(trees).toHaveLength(3);
    expect(trees.every((t) => 'feature' in (t as object) && 'value' in ((t as { left: object }).left))).toBe(true);
    const mlp = train(job({ model: 'mlp', hyper: { layers: [5, 3], epochs: 2, activation: 'relu' } }));
    expect(mlp.status).toBe(0);
    expect(modelOf(mlp.outDir).params.sizes).toEqual([6, 5, 3, 1]);
  });
});

describe('example trainer: determinism and data', () => {
  const quick = (overrides: Partial<TrainerJob>) => job({ model: 'gbt', hyper: { n_estimators: 5 }, ...overrides });

  it('gives byte-identical model.json and metrics.json for the same job', () => {
    const a = train(quick({}));
    const b = train(quick({}));
    expect(a.status).toBe(0);
    expect(b.status).toBe(0);
    for (const file of ['model.json', 'metrics.json']) {
      expect(fs.readFileSync(path.join(b.outDir, file))).toEqual(fs.readFileSync(path.join(a.outDir, file)));
    }
  });

  it('draws different data for different seeds, the same data for different models', () => {
    const seed0 = train(quick({ seed: 0 }));
    const seed1 = train(quick({ seed: 1 }));
    const logreg0 = train(job({ model: 'logreg', hyper: { epochs: 2 }, seed: 0 }));
    expect(modelOf(seed1.outDir).data.sha256).not.toBe(modelOf(seed0.outDir).data.sha256);
    expect(fs.readFileSync(path.join(seed1.outDir, 'model.json'))).not.toEqual(
      fs.readFileSync(path.join(seed0.outDir, 'model.json')),
    );
    expect(modelOf(logreg0.outDir).data.sha256).toBe(modelOf(seed0.outDir).data.sha256);
  });

  it('splits by the recipe: holdout-30 is 70/30, an unknown recipe is 80/20 on other data', () => {
    const holdout = train(quick({ split_recipe: 'holdout-30' }));
    expect(metricsOf(holdout.outDir)).toMatchObject({ n_train: 1400, n_test: 600 });
    const other = train(quick({ split_recipe: 'lab-week-48' }));
    const base = train(quick({}));
    expect(metricsOf(other.outDir)).toMatchObject({ n_train: 1600, n_test: 400 });
    expect(modelOf(other.outDir).data.sha256).not.toBe(modelOf(base.outDir).data.sha256);
  });

  it('makes realistic data harder than oracle data; other modes are like realistic', () => {
    const oracle = train(quick({ hyper: { n_estimators: 30 } }));
    const realistic = train(quick({ hyper: { n_estimators: 30 }, mode: 'realistic' }));
    const field = train(quick({ hyper: { n_estimators: 30 }, mode: 'field' }));
    expect(metricsOf(realistic.outDir).test_accuracy).toBeLessThan(metricsOf(oracle.outDir).test_accuracy);
    expect(modelOf(realistic.outDir).data.sha256).not.toBe(modelOf(oracle.outDir).data.sha256);
    expect(modelOf(field.outDir).data.sha256).toBe(modelOf(realistic.outDir).data.sha256);
  });
});

describe('example trainer: progress', () => {
  it.each(['logreg', 'mlp', 'gbt'])('%s writes progress points to CIS490_PROGRESS_FILE, and the same outputs as without', (model) => {
    const hyper = model === 'gbt' ? { n_estimators: 40 } : { epochs: 40 };
    const quiet = train(job({ model, hyper }));
    const watched = train(job({ model, hyper }), true);
    expect(watched.status).toBe(0);
    expect(watched.stderr).toBe('');
    for (const file of ['model.json', 'metrics.json']) {
      expect(fs.readFileSync(path.join(watched.outDir, file))).toEqual(fs.readFileSync(path.join(quiet.outDir, file)));
    }
    expect(fs.existsSync(quiet.progressFile)).toBe(false);

    const points = progressLines(watched.progressFile).map((l) => JSON.parse(l));
    expect(points[0].message).toMatch(/^\w+ on default\/oracle seed 0: 1600 train, 400 test rows/);
    expect(points[points.length - 1].message).toMatch(/^done: test_accuracy 0\.\d{4} test_loss/);
    const steps = points.filter((p) => p.step !== undefined);
    expect(steps).toHaveLength(20);
    expect(steps.map((p) => p.step)).toEqual(Array.from({ length: 20 }, (_, i) => 2 * (i + 1)));
    for (const p of steps) {
      expect(p).toMatchObject({ total: 40, loss: expect.any(Number), val_accuracy: expect.any(Number) });
      if (model !== 'gbt') expect(p.epoch).toBe(p.step);
    }
    // Training shows: the loss falls, and the last point's accuracy is the test accuracy.
    expect(steps[19].loss).toBeLessThan(steps[0].loss);
    expect(steps[19].val_accuracy).toBe(metricsOf(watched.outDir).test_accuracy);
  });

  it('the test model prints lines to stdout and stderr over sleep_s, with a point each and bad lines on request', () => {
    const started = Date.now();
    const run = train(job({ model: 'test', hyper: { print_lines: 6, sleep_s: 0.3, bad_progress: 3, line_bytes: 40 } }), true);
    expect(run.status).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    const printed = (text: string) => text.split('\n').filter((l) => l.startsWith('line '));
    expect(printed(run.stdout).map((l) => l.split(' ')[1])).toEqual(['1/6', '2/6', '4/6', '5/6']);
    expect(printed(run.stderr).map((l) => l.split(' ')[1])).toEqual(['3/6', '6/6']);
    expect(printed(run.stdout).every((l) => Buffer.byteLength(l) >= 40 && l.includes('aé✓🙂'))).toBe(true);

    const lines = progressLines(run.progressFile);
    expect(lines).toHaveLength(9);
    const good = lines.flatMap((l) => {
      try {
        const v = JSON.parse(l);
        return v && !Array.isArray(v) && Buffer.byteLength(l) <= 4096 ? [v] : [];
      } catch {
        return [];
      }
    });
    expect(good.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(good[5]).toEqual({ step: 6, total: 6, epoch: 4, loss: 0.142857, val_accuracy: 1, message: 'line 6 of 6' });
  });

  it('keeps training when the progress file cannot be written, saying so once', () => {
    const j = job({ model: 'gbt', hyper: { n_estimators: 5 } });
    const { dir, jobFile, outDir } = jobDir(j);
    const run = spawnSync(process.execPath, [TRAINER, '--job-file', jobFile, '--out-dir', outDir], {
      cwd: dir,
      env: { ...workerEnv(j, jobFile, outDir), CIS490_PROGRESS_FILE: path.join(dir, 'missing', 'progress.jsonl') },
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    expect(stderrLines(run)).toEqual([expect.stringMatching(/^train\.js: cannot write progress to .* \(ENOENT\); training goes on$/)]);
    expect(fs.existsSync(path.join(outDir, 'metrics.json'))).toBe(true);
  });
});

describe('example trainer: invocation', () => {
  it('rejects an unknown hyper key with one line naming the known keys, exit 2', () => {
    const run = train(job({ model: 'mlp', hyper: { lrr: 0.1 } }));
    expect(run.status).toBe(2);
    expect(stderrLines(run)).toEqual([
      'train.js: unknown hyper key "lrr" for model mlp (known: lr, hidden, layers, epochs, batch_size, activation)',
    ]);
    expect(fs.existsSync(path.join(run.outDir, 'model.json'))).toBe(false);
  });

  it('rejects a hyper value of the wrong type, exit 2', () => {
    const run = train(job({ model: 'gbt', hyper: { max_depth: 2.5 } }));
    expect(run.status).toBe(2);
    expect(stderrLines(run)).toEqual(['train.js: hyper "max_depth" for model gbt must be an int from 1 to 12 (got 2.5)']);
  });

  it('rejects an unknown model with the list of known ones, exit 2', () => {
    const run = train(job({ model: 'transformer' }));
    expect(run.status).toBe(2);
    expect(stderrLines(run)).toEqual(['train.js: unknown model "transformer" (known: logreg, mlp, gbt, ensemble, test)']);
  });

  it('falls back to CIS490_JOB_FILE and CIS490_OUTPUT_DIR, and lets flags win over them', () => {
    const j = job({ model: 'logreg', hyper: { epochs: 3 } });
    const { dir, jobFile, outDir } = jobDir(j);
    const fromEnv = spawnSync(process.execPath, [TRAINER], { cwd: dir, env: workerEnv(j, jobFile, outDir), encoding: 'utf8' });
    expect(fromEnv.status).toBe(0);
    expect(metricsOf(outDir).epochs).toBe(3);

    const flagOut = path.join(dir, 'flag-out');
    const fromFlag = spawnSync(process.execPath, [TRAINER, `--out-dir=${flagOut}`], {
      cwd: dir,
      env: workerEnv(j, jobFile, path.join(dir, 'env-out')),
      encoding: 'utf8',
    });
    expect(fromFlag.status).toBe(0);
    expect(fs.existsSync(path.join(flagOut, 'metrics.json'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'env-out'))).toBe(false);
  });
});

describe('example trainer: the test model', () => {
  const testJob = (hyper: Record<string, unknown>) => job({ model: 'test', hyper });

  it('exits with exit_code after writing stderr, and writes no outputs', () => {
    const run = train(testJob({ exit_code: 3, stderr: 'CUDA out of memory' }));
    expect(run.status).toBe(3);
    expect(stderrLines(run)).toEqual(['CUDA out of memory']);
    expect(fs.existsSync(path.join(run.outDir, 'metrics.json'))).toBe(false);
  });

  it('writes write_bytes pseudo-random bytes, the same on every run', () => {
    const a = train(testJob({ write_bytes: 100_000 }));
    const b = train(testJob({ write_bytes: 100_000 }));
    expect(a.status).toBe(0);
    const bytes = fs.readFileSync(path.join(a.outDir, 'random.bin'));
    expect(bytes).toHaveLength(100_000);
    expect(new Set(bytes.subarray(0, 4096)).size).toBeGreaterThan(200);
    expect(fs.readFileSync(path.join(b.outDir, 'random.bin'))).toEqual(bytes);
    expect(metricsOf(a.outDir)).toEqual({ slept_s: 0, bytes_written: 100_000 });
  });

  it('rejects hyper keys of the real models', () => {
    const run = train(testJob({ lr: 0.1 }));
    expect(run.status).toBe(2);
    expect(stderrLines(run)[0]).toMatch(/^train\.js: unknown hyper key "lr" for model test \(known: sleep_s, /);
  });

  /** Starts the trainer as the worker does: in its own process group. */
  function startInGroup(hyper: Record<string, unknown>) {
    const j = testJob(hyper);
    const { dir, jobFile, outDir } = jobDir(j);
    const child = spawn(process.execPath, [TRAINER, '--job-file', jobFile, '--out-dir', outDir], {
      cwd: dir,
      env: workerEnv(j, jobFile, outDir),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    groups.push(child);
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    return { child, outDir, exited, stdout: () => stdout };
  }

  const childPidFile = (outDir: string) => path.join(outDir, 'child.pid');

  it('spawns a sleeping child in its process group that a group SIGTERM takes down', async () => {
    const run = startInGroup({ sleep_s: 30, spawn_child: true });
    await waitFor('child.pid', () => fs.existsSync(childPidFile(run.outDir)), 10_000);
    const childPid = Number(fs.readFileSync(childPidFile(run.outDir), 'utf8'));
    expect(processGone(childPid)).toBe(false);

    process.kill(-run.child.pid!, 'SIGTERM');
    expect(await run.exited).toBe('SIGTERM');
    await waitFor('the child to die', () => processGone(childPid), 10_000);
  });

  it('with ignore_sigterm survives SIGTERM, child included, until SIGKILL', async () => {
    const run = startInGroup({ sleep_s: 30, spawn_child: true, ignore_sigterm: true });
    await waitFor('child.pid', () => fs.existsSync(childPidFile(run.outDir)), 10_000);
    const childPid = Number(fs.readFileSync(childPidFile(run.outDir), 'utf8'));

    process.kill(-run.child.pid!, 'SIGTERM');
    await waitFor('the trainer to ignore SIGTERM', () => run.stdout().includes('SIGTERM ignored'), 10_000);
    expect(processGone(run.child.pid!)).toBe(false);
    expect(processGone(childPid)).toBe(false);

    process.kill(-run.child.pid!, 'SIGKILL');
    expect(await run.exited).toBe('SIGKILL');
    await waitFor('the child to die', () => processGone(childPid), 10_000);
  });
});
