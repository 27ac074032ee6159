import { ChildProcess, spawn } from 'node:child_process';
import { BIN, ROOT } from './receiver.process';
import { waitFor } from './wait-for';

/** A `cis490-jobs` that keeps running (`logs -f`, `watch`), its output collected as it comes. */
export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Waits until stdout matches `pattern`; returns the match. */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The exit code (null when killed by a signal it did not handle). */
  exited: Promise<number | null>;
}

/**
 * Starts the built CLI with only the environment given (as cli() does), stdout
 * a pipe: what a log file or a journal sees.
 */
export function spawnCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [BIN.cli, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, TZ: 'UTC', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitForStdout: (pattern, timeoutMs = 10_000) =>
      waitFor(`stdout matching ${pattern}`, () => pattern.exec(out), timeoutMs).catch(
        (e: Error) => {
          throw new Error(`${e.message}\nstdout:\n${out}\nstderr:\n${err}`);
        },
      ),
    exited,
  };
}
