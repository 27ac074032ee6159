import { ChildProcess, spawn } from 'node:child_process';

export interface ProbeOptions {
  /** Environment of the probe; its PATH is the one searched for the command. */
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
}

/** Enough for any honest probe's answer; more means something is wrong, not more GPUs. */
const MAX_OUTPUT_BYTES = 64 * 1024;

/**
 * Runs a read-only host probe and returns its stdout, or null when the command
 * is absent, exits non-zero, is killed or outlives `timeoutMs`. A probe never
 * throws: a host that cannot answer a question simply lacks the feature.
 */
export function runProbe(command: string, args: readonly string[], opts: ProbeOptions): Promise<string | null> {
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        env: opts.env ?? process.env,
        stdio: ['ignore', 'pipe', 'ignore'],
        // Its own process group, so a timeout also takes down whatever a wrapper script started.
        detached: process.platform !== 'win32',
        windowsHide: true,
      });
    } catch {
      resolve(null);
      return;
    }

    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (output: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(output);
    };

    const timer = setTimeout(() => {
      killTree(child);
      child.stdout?.destroy();
      finish(null);
    }, opts.timeoutMs);

    child.stdout?.on('data', (chunk: Buffer) => {
      if (size >= MAX_OUTPUT_BYTES) return;
      chunks.push(chunk);
      size += chunk.length;
    });
    child.on('error', () => finish(null));
    child.on('close', (code) => finish(code === 0 ? Buffer.concat(chunks).toString('utf8') : null));
  });
}

function killTree(child: ChildProcess): void {
  if (child.pid === undefined) return;
  if (process.platform === 'win32') {
    spawn('taskkill', ['/pid', String(child.pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true }).on(
      'error',
      () => child.kill(),
    );
    return;
  }
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}
