import { execFile } from 'node:child_process';
import { BIN, ROOT } from '../support/receiver.process';
import type { JobView } from '@cis490/contract';
import { sha256, zstd } from '../support/bundles';
import { api, putBundle } from '../support/http';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The read commands' queue: gbt (priority 10: a CPU host claims it first), cnn
 * (CUDA only: pending on a CPU fleet, with its reason), then a sweep over `seeds` seeds.
 */
export const readManifest = (seeds: number): string => `
[[jobs]]
model = "gbt"
mode = "realistic"
hyper = { n_estimators = 10 }
priority = 10

[[jobs]]
model = "cnn"
mode = "realistic"
require_cuda = true

[[sweeps]]
model = "sweep"
mode = "grid"
seed = [${Array.from({ length: seeds }, (_, i) => i).join(', ')}]
`;

/** A Node stack frame: never allowed on the CLI's stderr. */
export const STACK_TRACE = /\n\s+at /;

/**
 * Runs the built `cis490-jobs` as an operator would, with only the environment given here
 * (no CIS490_* leaking in from the shell that runs the tests).
 */
export function cli(args: string[], env: Record<string, string> = {}, cwd = ROOT): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN.cli, ...args],
      { cwd, env: { PATH: process.env.PATH, TZ: 'UTC', ...env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: unknown }).code as number | null) : 0;
        resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
      },
    );
  });
}

/** stdout parsed as JSON, with the run's stderr in the message when it is not. */
export function json<T = any>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${r.code}):\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}

/** Uploads a small zstd bundle for a claimed job and completes it; returns the bundle's SHA-256. */
export async function completeWithBundle(url: string, job: JobView, workerId: string, content: string): Promise<string> {
  const bundle = zstd(content);
  const put = await putBundle(url, job.id, workerId, bundle);
  if (put.status !== 201) throw new Error(`upload: ${put.status} ${JSON.stringify(put.json)}`);
  await api(`${url}/v1/job/${job.id}/complete`, {
    method: 'POST',
    body: { worker_id: workerId, artifact_sha256: sha256(bundle), metrics: { accuracy: 0.9 } },
  });
  return sha256(bundle);
}
