import type { Capability } from '@cis490/contract';
import CPU_HOST from './capability.json';

/** A CPU host (lab1: 8 cores, 32 GiB), with `overrides`. */
export function capability(overrides: Partial<Capability> = {}): Capability {
  return { ...(CPU_HOST as Capability), ...overrides };
}

export function cudaCapability(vram_gib = 24, overrides: Partial<Capability> = {}): Capability {
  return capability({ cuda: true, vram_gib, gpus: [{ name: 'RTX 4090', vram_gib }], ...overrides });
}
