import { Injectable } from '@nestjs/common';
import os from 'node:os';
import type { Capability, FreeGpu } from '@cis490/contract';
import { applyCapabilityOverrides, readCapabilityOverrides } from './capability.overrides';
import { parseIndexedNvidiaSmi, parseNvidiaSmiMemoryUsed } from './nvidia-smi.parser';
import { runProbe } from './probe.runner';

export interface DetectCapabilityOptions {
  /** The trainer's checkout, whose commit is reported; none → git_commit null. */
  trainerDir?: string;
  /** Overrides (see capability.overrides.ts) and the PATH the probes are found on. */
  env?: NodeJS.ProcessEnv;
  /** One limit for every probe; by default 5 s, and 15 s for the torch import. */
  probeTimeoutMs?: number;
}

export const DEFAULT_PROBE_TIMEOUT_MS = 5_000;
/** Importing torch loads its CUDA libraries, which takes seconds on a cold cache. */
export const DEFAULT_TORCH_PROBE_TIMEOUT_MS = 15_000;

const round1 = (n: number): number => Math.round(n * 10) / 10;
const GIT_COMMIT = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** Every GPU nvidia-smi lists, in its order, with the index CUDA_VISIBLE_DEVICES takes. */
export async function probeGpus(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<FreeGpu[]> {
  const out = await runProbe(
    'nvidia-smi',
    ['--query-gpu=index,name,memory.total', '--format=csv,noheader,nounits'],
    { env, timeoutMs },
  );
  return out === null ? [] : parseIndexedNvidiaSmi(out);
}

/**
 * MiB of memory in use on each GPU, by index, whoever uses it; null when
 * nvidia-smi cannot say (absent, failing, timed out or unparsable).
 */
export async function probeGpuMemoryUsed(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Map<number, number> | null> {
  const out = await runProbe('nvidia-smi', ['--query-gpu=index,memory.used', '--format=csv,noheader,nounits'], { env, timeoutMs });
  const used = out === null ? null : parseNvidiaSmiMemoryUsed(out);
  return used === null || used.size === 0 ? null : used;
}

/** The capability, and the GPUs it lists with their indices (none when CUDA is hidden). */
export interface HostDetection {
  capability: Capability;
  gpus: FreeGpu[];
}

export async function probeTorchVersion(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string | null> {
  const out = await runProbe('python3', ['-c', 'import torch; print(torch.__version__)'], { env, timeoutMs });
  // The version is the last line: an import may print warnings before it.
  const version = out?.trim().split(/\r?\n/).pop()?.trim();
  return version ? version : null;
}

export async function probeGitCommit(dir: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string | null> {
  const out = await runProbe('git', ['-C', dir, 'rev-parse', 'HEAD'], { env, timeoutMs });
  const commit = out?.trim() ?? '';
  return GIT_COMMIT.test(commit) ? commit : null;
}

/**
 * What this host can do (SPEC §5). Probes run in parallel, each bounded by a
 * timeout; one that fails only leaves its field empty. Throws only for an
 * invalid override in the environment.
 */
export async function detectCapability(opts: DetectCapabilityOptions = {}): Promise<Capability> {
  return (await detectHost(opts)).capability;
}

/** `detectCapability`, keeping each GPU's index for the worker's slots (SPEC §10). */
export async function detectHost(opts: DetectCapabilityOptions = {}): Promise<HostDetection> {
  const env = opts.env ?? process.env;
  const overrides = readCapabilityOverrides(env);
  const timeoutMs = opts.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;

  const [gpus, torchVersion, gitCommit] = await Promise.all([
    overrides.cuda === false ? Promise.resolve([]) : probeGpus(env, timeoutMs),
    probeTorchVersion(env, opts.probeTimeoutMs ?? DEFAULT_TORCH_PROBE_TIMEOUT_MS),
    opts.trainerDir === undefined ? Promise.resolve(null) : probeGitCommit(opts.trainerDir, env, timeoutMs),
  ]);

  const detected: Capability = {
    hostname: os.hostname(),
    cores: os.availableParallelism(),
    ram_gib: round1(os.totalmem() / 1024 ** 3),
    cuda: gpus.length > 0,
    vram_gib: gpus.reduce((max, gpu) => Math.max(max, gpu.vram_gib), 0),
    gpus: gpus.map(({ name, vram_gib }) => ({ name, vram_gib })),
    torch_version: torchVersion,
    git_commit: gitCommit,
    platform: process.platform,
    arch: process.arch,
  };
  const capability = applyCapabilityOverrides(detected, overrides);
  return { capability, gpus: capability.cuda ? gpus : [] };
}

/** `detectCapability` for injection: what the worker's commands and its self-test ask of the host. */
@Injectable()
export class CapabilityDetector {
  detect(opts: DetectCapabilityOptions = {}): Promise<Capability> {
    return detectCapability(opts);
  }

  detectHost(opts: DetectCapabilityOptions = {}): Promise<HostDetection> {
    return detectHost(opts);
  }

  /** MiB in use on each GPU by index, asked again each time; null when nvidia-smi cannot say. */
  gpuMemoryUsed(env: NodeJS.ProcessEnv = process.env, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS): Promise<Map<number, number> | null> {
    return probeGpuMemoryUsed(env, timeoutMs);
  }
}
