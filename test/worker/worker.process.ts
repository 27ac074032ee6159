import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processGone } from '../support/processes';
import { BIN, TEST_OPERATOR_TOKEN, TRAINER } from '../support/receiver.process';

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

/** A temp dir that `cleanup()` removes; each spec file keeps one list. */
export class TempDirs {
  private readonly dirs: string[] = [];

  make(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  cleanup(): void {
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
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

/** Polls `check` until it returns something truthy; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

export { processGone };

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

/** A dir holding an executable `nvidia-smi` script, to put first on PATH. */
export function fakeNvidiaSmi(dir: string, script: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'nvidia-smi'), `#!/bin/sh\n${script}\n`);
  chmodSync(join(bin, 'nvidia-smi'), 0o755);
  return bin;
}

/** JSON from the receiver, asserting a 2xx. */
export async function api<T = any>(url: string, init: { method?: string; body?: unknown; operator?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.operator) headers['x-operator-token'] = TEST_OPERATOR_TOKEN;
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url} → ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : null) as T;
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
