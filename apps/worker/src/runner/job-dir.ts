import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { JOB_ID_PATTERN, type JobInput, type JobView } from '@cis490/contract';

/** Where one job runs: `<work_dir>/<job_id>/`, with the trainer's inputs and outputs. */
export interface JobDir {
  dir: string;
  jobFile: string;
  outDir: string;
  bundle: string;
  /** The trainer's whole output, as UTF-8 text; not part of the bundle. It is what the job's log forwards from. */
  logFile: string;
  /** Where the trainer may append progress lines (SPEC §9); not part of the bundle. */
  progressFile: string;
  /** The bundles of the jobs this one runs after, one dir each by job id (SPEC §10); not part of the bundle. */
  inputsDir: string;
}

export function jobDirOf(workDir: string, jobId: string): JobDir {
  // The ID becomes a path that is removed recursively: take nothing but what the receiver hands out.
  if (!JOB_ID_PATTERN.test(jobId)) throw new Error(`refusing job ID ${JSON.stringify(jobId)}: not a hex job ID`);
  const dir = path.join(workDir, jobId);
  return {
    dir,
    jobFile: path.join(dir, 'job.json'),
    outDir: path.join(dir, 'out'),
    bundle: path.join(dir, 'bundle.tar.zst'),
    logFile: path.join(dir, 'trainer.log'),
    progressFile: path.join(dir, 'progress.jsonl'),
    inputsDir: path.join(dir, 'inputs'),
  };
}

/** Where one input is unpacked. */
export const inputDirOf = (d: JobDir, input: JobInput) => path.join(d.inputsDir, input.job_id);

/**
 * A fresh dir for this attempt: whatever an earlier attempt left (outputs, a
 * half-written bundle) must not end up in this one's bundle. `out/` exists
 * from the start, so a trainer that writes nothing still gives a bundle.
 */
export async function prepareJobDir(workDir: string, job: JobView, inputs: JobInput[] = []): Promise<JobDir> {
  const d = jobDirOf(workDir, job.id);
  await fsp.rm(d.dir, { recursive: true, force: true });
  await fsp.mkdir(d.outDir, { recursive: true });
  await fsp.mkdir(d.inputsDir, { recursive: true });
  // job.json lists each input with the dir it is unpacked into (SPEC §10).
  const listed = inputs.map((input) => ({ ...input, dir: inputDirOf(d, input) }));
  await fsp.writeFile(d.jobFile, `${JSON.stringify({ ...job, inputs: listed }, null, 2)}\n`);
  return d;
}

/**
 * The worker's own settings (`CIS490_*`): its token, the receiver's URL, its
 * TLS key, and whatever else of the fleet's its environment holds. None of it
 * is the trainer's business, and a trainer that prints its environment (a
 * crash handler, a debug dump) would send it to the receiver, where anyone can
 * read a job's error and log.
 */
const WORKER_SETTING = /^CIS490_/i;

/**
 * The trainer's environment: the worker's own without its settings (above),
 * plus the job's fields (SPEC §5 trainer contract), where progress goes (§9),
 * and the GPUs it was given (§10): CUDA_VISIBLE_DEVICES empty for a job given
 * none, so a CPU job never touches a GPU. `gpus` undefined (a receiver that
 * does not hand out GPUs) leaves the worker's own setting.
 */
export function trainerEnv(base: NodeJS.ProcessEnv, job: JobView, d: JobDir, gpus?: readonly number[]): NodeJS.ProcessEnv {
  const devices = gpus?.join(',');
  return {
    ...Object.fromEntries(Object.entries(base).filter(([name]) => !WORKER_SETTING.test(name))),
    ...(devices !== undefined && { CUDA_VISIBLE_DEVICES: devices, CIS490_GPUS: devices }),
    CIS490_JOB_ID: job.id,
    CIS490_JOB_FILE: d.jobFile,
    CIS490_OUTPUT_DIR: d.outDir,
    CIS490_MODEL: job.model,
    CIS490_MODE: job.mode,
    CIS490_SEED: String(job.seed),
    CIS490_HYPER: JSON.stringify(job.hyper),
    CIS490_PROGRESS_FILE: d.progressFile,
    CIS490_INPUTS_DIR: d.inputsDir,
  };
}

/** Not the trainer's fault alone: the job fails with this message, and is not retried. */
export class InvalidMetricsError extends Error {}

/** `out/metrics.json` as an object; undefined when the trainer wrote none. */
export async function readMetrics(outDir: string): Promise<Record<string, unknown> | undefined> {
  const file = path.join(outDir, 'metrics.json');
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InvalidMetricsError(`cannot read out/metrics.json: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InvalidMetricsError(`out/metrics.json is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidMetricsError('out/metrics.json must hold a JSON object');
  }
  return value as Record<string, unknown>;
}
