/** One GPU as nvidia-smi reports it. */
export interface Gpu {
  name: string;
  vram_gib: number;
}

/**
 * A GPU a worker offers with a claim (SPEC §10): not held by its running jobs
 * nor busy with other work. `index` is its place in nvidia-smi's order, the
 * number CUDA_VISIBLE_DEVICES takes.
 */
export interface FreeGpu extends Gpu {
  index: number;
}

/** What a worker host can do: SPEC §3 `capability`. */
export interface Capability {
  hostname: string;
  cores: number;
  ram_gib: number;
  cuda: boolean;
  /** The largest single GPU's memory, GiB to one decimal; 0 without CUDA. */
  vram_gib: number;
  gpus: Gpu[];
  torch_version: string | null;
  git_commit: string | null;
  platform: string;
  arch: string;
}
