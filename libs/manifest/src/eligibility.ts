import type { FreeGpu, Gpu } from '@cis490/contract';
import { HostSpec, JobConstraints } from './manifest.types';

/** The capability fields that gate eligibility (a subset of the worker's capability). */
export interface Resources {
  cuda: boolean;
  vram_gib: number;
  ram_gib: number;
  cores: number;
  /** Every GPU of the host; absent = not known, so not counted (a declared host judged at its best). */
  gpus?: Gpu[];
}

/** What a claiming worker brings: its detected resources and its own model policy. */
export interface WorkerOffer {
  hostname: string;
  capability: Resources;
  allow_jobs?: string[];
  deny_jobs?: string[];
  /** The GPUs free for this claim (SPEC §10); absent = every GPU of the capability. */
  free_gpus?: FreeGpu[];
}

/**
 * A worker as the receiver sees it once its `[hosts.<hostname>]` entry is applied:
 * numbers capped at min(detected, declared), CUDA off when the host declares
 * `cuda = false`, and the host's and the worker's allow/deny lists combined.
 */
export interface EffectiveWorker extends Resources {
  hostname: string;
  /** Models it may train; null = any. */
  allow: string[] | null;
  /** Models it never trains; deny wins over allow. */
  deny: string[];
  /** The GPUs it offers now, VRAM capped like `vram_gib`; none without CUDA; null = not counted. */
  offered_gpus: FreeGpu[] | null;
}

const cap = (detected: number, declared: number | undefined): number =>
  declared === undefined ? detected : Math.min(detected, declared);

function intersect(a: string[] | undefined, b: string[] | undefined): string[] | null {
  if (!a?.length && !b?.length) return null;
  if (!a?.length) return [...new Set(b)];
  if (!b?.length) return [...new Set(a)];
  return [...new Set(a.filter((m) => b.includes(m)))];
}

/**
 * The GPUs a claim offers: its `free_gpus`, or, from a worker that does not
 * send them (SPEC §10), every GPU of its capability indexed 0… in order — a
 * CUDA capability without a list being one GPU of `vram_gib`.
 */
export function offeredGpus(offer: WorkerOffer): FreeGpu[] | null {
  if (offer.free_gpus) return offer.free_gpus;
  const { gpus, cuda, vram_gib } = offer.capability;
  if (gpus === undefined) return null;
  if (gpus.length > 0) return gpus.map((gpu, index) => ({ index, name: gpu.name, vram_gib: gpu.vram_gib }));
  return cuda ? [{ index: 0, name: 'GPU', vram_gib }] : [];
}

/** How many of these GPUs have at least `minVramGib` each. */
export const gpusWith = (gpus: readonly FreeGpu[], minVramGib: number): number =>
  gpus.filter((gpu) => gpu.vram_gib >= minVramGib).length;

export function effectiveWorker(offer: WorkerOffer, host?: HostSpec): EffectiveWorker {
  const c = offer.capability;
  const cuda = c.cuda && host?.cuda !== false;
  const vram_gib = cap(c.vram_gib, host?.vram_gib);
  const offered = offeredGpus(offer);
  return {
    hostname: offer.hostname,
    cuda,
    vram_gib,
    ram_gib: cap(c.ram_gib, host?.ram_gib),
    cores: cap(c.cores, host?.cores),
    allow: intersect(host?.allow_jobs, offer.allow_jobs),
    deny: [...new Set([...(host?.deny_jobs ?? []), ...(offer.deny_jobs ?? [])])],
    offered_gpus: offered === null ? null : cuda ? offered.map((gpu) => ({ ...gpu, vram_gib: Math.min(gpu.vram_gib, vram_gib) })) : [],
  };
}

/** Constraints as the manifest declares them; `gpus` null when not given. */
export type DeclaredConstraints = Omit<JobConstraints, 'gpus'> & { gpus: number | null };

/**
 * The constraints as they take effect: a VRAM minimum or a GPU makes a job
 * CUDA-only (SPEC §1, §10), and a job that needs CUDA holds one GPU unless it
 * says how many. Applied once, when the manifest is parsed; the queue stores
 * the result, and every check after that reads `require_cuda` and `gpus` alone.
 */
export function effectiveConstraints(declared: DeclaredConstraints): JobConstraints {
  const needsCuda = declared.require_cuda || declared.min_vram_gib > 0;
  const gpus = declared.gpus ?? (needsCuda ? 1 : 0);
  return { ...declared, require_cuda: needsCuda || gpus > 0, gpus };
}

/**
 * Why this worker may not take this job, as a short phrase ("needs CUDA"),
 * or null when it may. The same rules as the claim's SQL (SPEC §2).
 */
export function ineligibility(
  job: JobConstraints & { model: string },
  worker: EffectiveWorker,
): string | null {
  if (job.require_cuda && !worker.cuda) return 'needs CUDA';
  if (worker.vram_gib < job.min_vram_gib) return `needs ${job.min_vram_gib} GiB of VRAM`;
  if (worker.offered_gpus !== null && gpusWith(worker.offered_gpus, job.min_vram_gib) < job.gpus) {
    const each = job.min_vram_gib > 0 ? ` with ${job.min_vram_gib} GiB each` : '';
    return `needs ${job.gpus} GPUs${each}`;
  }
  if (worker.ram_gib < job.min_ram_gib) return `needs ${job.min_ram_gib} GiB of RAM`;
  if (job.allowed_hosts.length > 0 && !job.allowed_hosts.includes(worker.hostname)) {
    return `may run only on ${job.allowed_hosts.join(', ')}`;
  }
  if (worker.deny.includes(job.model)) return `model ${job.model} is denied on ${worker.hostname}`;
  if (worker.allow !== null && !worker.allow.includes(job.model)) {
    return `model ${job.model} is not allowed on ${worker.hostname}`;
  }
  return null;
}
