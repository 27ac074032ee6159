/**
 * Operator overrides of detected capability, read from the worker's environment
 * (its systemd EnvironmentFile). An empty value counts as unset.
 *
 *   CIS490_CUDA=0        hide every GPU: cuda false, vram_gib 0, gpus [] and nvidia-smi
 *                        is not run (also `false`, `no`, `off`). `1`/`true`/`yes`/`on`/`auto`
 *                        use what is detected; they cannot invent a GPU.
 *   CIS490_VRAM_GIB=N    report N GiB of VRAM (N >= 0), e.g. to leave room for another
 *                        user of the GPU. Without a visible GPU vram_gib stays 0.
 *   CIS490_RAM_GIB=N     report N GiB of RAM (N >= 0).
 *   CIS490_CORES=N       report N cores (an integer >= 1).
 *
 * These change what the worker offers; the receiver still caps it with the
 * host's `[hosts.<hostname>]` entry. An invalid value is an Error naming the
 * variable, raised before any probe runs.
 */
import { Capability } from '@cis490/contract';

export interface CapabilityOverrides {
  /** false hides every GPU; undefined uses what is detected. */
  cuda?: false;
  vram_gib?: number;
  ram_gib?: number;
  cores?: number;
}

const OFF = ['0', 'false', 'no', 'off'];
const AUTO = ['1', 'true', 'yes', 'on', 'auto'];
const DECIMAL = /^\d+(\.\d+)?$/;
const INTEGER = /^\d+$/;

function value(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

function gib(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = value(env, name);
  if (v === undefined) return undefined;
  if (!DECIMAL.test(v)) throw new Error(`${name} must be a number of GiB >= 0, got "${v}"`);
  return Number(v);
}

export function readCapabilityOverrides(env: NodeJS.ProcessEnv): CapabilityOverrides {
  const overrides: CapabilityOverrides = {};

  const cuda = value(env, 'CIS490_CUDA');
  if (cuda !== undefined) {
    const v = cuda.toLowerCase();
    if (OFF.includes(v)) overrides.cuda = false;
    else if (!AUTO.includes(v)) {
      throw new Error(`CIS490_CUDA must be 0 (hide GPUs) or 1 (use detected GPUs), got "${cuda}"`);
    }
  }

  const vram = gib(env, 'CIS490_VRAM_GIB');
  if (vram !== undefined) overrides.vram_gib = vram;
  const ram = gib(env, 'CIS490_RAM_GIB');
  if (ram !== undefined) overrides.ram_gib = ram;

  const cores = value(env, 'CIS490_CORES');
  if (cores !== undefined) {
    if (!INTEGER.test(cores) || Number(cores) < 1) {
      throw new Error(`CIS490_CORES must be an integer >= 1, got "${cores}"`);
    }
    overrides.cores = Number(cores);
  }
  return overrides;
}

export function applyCapabilityOverrides(detected: Capability, overrides: CapabilityOverrides): Capability {
  const c: Capability = { ...detected, gpus: [...detected.gpus] };
  if (overrides.cuda === false) {
    c.cuda = false;
    c.gpus = [];
  }
  if (overrides.ram_gib !== undefined) c.ram_gib = overrides.ram_gib;
  if (overrides.cores !== undefined) c.cores = overrides.cores;
  c.vram_gib = !c.cuda ? 0 : (overrides.vram_gib ?? c.vram_gib);
  return c;
}
