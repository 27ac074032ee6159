import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { processGone } from './processes';
import { BIN, type ReceiverProcess, spawnReceiver, TRAINER } from './receiver.process';
import { TempDirs } from './temp-dirs';
import { waitFor } from './wait-for';

/** Short intervals for the receiver, so heartbeats and the sweep fit a test. */
export const FAST_RECEIVER_ENV = {
  CIS490_HEARTBEAT_INTERVAL_S: '1',
  CIS490_STALE_AFTER_S: '30',
  CIS490_SWEEP_INTERVAL_S: '1',
};

export interface WorkerProcess {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** `node dist/apps/worker/src/main.js <args>` with the example trainer and a clean CIS490_* environment. */
export function startWorker(args: string[], env: Record<string, string | undefined> = {}): WorkerProcess {
  let out = '';
  let err = '';
  const child = spawn(process.execPath, [BIN.worker, ...args], {
    env: {
      PATH: process.env.PATH,
      TZ: 'UTC',
      CIS490_TRAINER_CMD: `node ${TRAINER}`,
      CIS490_WORKER_ID: 'test-worker',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => {
    out += d;
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, stderr: () => err, exited };
}

/** Runs a worker command to its end. */
export async function runWorker(args: string[], env: Record<string, string | undefined> = {}) {
  const w = startWorker(args, env);
  const code = await w.exited;
  return { code, output: w.output(), stderr: w.stderr() };
}

/** Gone within a few seconds: a SIGKILLed process may take a moment to die after kill() returns. */
export async function becomesGone(pid: number): Promise<boolean> {
  try {
    await waitFor(`pid ${pid} to end`, () => processGone(pid), 5_000);
    return true;
  } catch {
    return false;
  }
}

/** The pid a line like `job 3f2a9c1e trainer started pid 1234` names. */
export function trainerPid(output: string): number | null {
  const m = /trainer started pid (\d+)/.exec(output);
  return m ? Number(m[1]) : null;
}

/** Reads `<work>/<job>/out/child.pid` once the test trainer has written it. */
export function childPid(workDir: string, jobId: string): number | null {
  const file = join(workDir, jobId, 'out', 'child.pid');
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return pid > 0 ? pid : null;
}

/** Stops a worker still running at the end of a test, and its trainer with it. */
export async function stopWorker(w: WorkerProcess | undefined): Promise<void> {
  if (!w || w.child.exitCode !== null || w.child.signalCode !== null) return;
  w.child.kill('SIGKILL');
  await w.exited;
  const pid = trainerPid(w.output());
  if (pid !== null) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // the group is gone
    }
  }
}

/** What a worker test starts, ended by `stop()` (each test's afterEach): the worker, then the receiver, then the temp dirs. */
export class TestFleet {
  readonly temp = new TempDirs();
  rx?: ReceiverProcess;
  worker?: WorkerProcess;

  async stop(): Promise<void> {
    await stopWorker(this.worker);
    await this.rx?.close();
    this.worker = undefined;
    this.rx = undefined;
    this.temp.cleanup();
  }
}

/**
 * One receiver on `manifest` and one work dir for every test of a describe
 * block, started before the first and stopped after the last.
 */
export function sharedReceiver(manifest: string): { readonly rx: ReceiverProcess; readonly work: string } {
  const temp = new TempDirs();
  const shared = {} as { rx: ReceiverProcess; work: string };
  beforeAll(async () => {
    shared.rx = await spawnReceiver(manifest, FAST_RECEIVER_ENV);
    shared.work = join(temp.make('cis490-work-'), 'work');
  });
  afterAll(async () => {
    await shared.rx?.close();
    temp.cleanup();
  });
  return shared;
}
