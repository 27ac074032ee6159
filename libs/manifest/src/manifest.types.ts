import type { JobConstraints, JobIdentity, JobScheduling, ManifestIssue } from '@cis490/contract';

export type { JobConstraints, JobIdentity, JobScheduling, ManifestIssue };

/** Hyper-parameter types a `[models.X].hyper` schema may name. */
export type HyperType = 'int' | 'float' | 'bool' | 'string' | 'array' | 'table';

/** One job of the manifest after defaults and sweep expansion. */
export interface JobSpec extends JobIdentity, JobConstraints, JobScheduling {
  id: string;
  priority: number;
  max_attempts: number;
  timeout_s: number;
  /** 0-based position in the expanded manifest: [[jobs]] in file order, then [[sweeps]] points. */
  manifest_order: number;
}

/** `[hosts.<hostname>]`: caps on detected capability, and model policy. */
export interface HostSpec {
  hostname: string;
  cuda?: boolean;
  vram_gib?: number;
  ram_gib?: number;
  cores?: number;
  allow_jobs?: string[];
  deny_jobs?: string[];
}

export interface ManifestDefaults {
  max_attempts: number;
  priority: number;
  timeout_s: number;
  /** null: each job takes 1 when it needs CUDA, else 0. */
  gpus: number | null;
  retry_on_exit_codes: number[];
  retry_backoff_s: number;
  retry_backoff_max_s: number;
  /** A name every entry without its own takes; unique, so of use only with one entry. */
  name: string | null;
  after: string[];
}

export interface ModelSchema {
  hyper: Record<string, HyperType>;
}

export interface Manifest {
  defaults: ManifestDefaults;
  models: Record<string, ModelSchema>;
  hosts: Record<string, HostSpec>;
  jobs: JobSpec[];
  /** Each entry name → the ids of the jobs it covers (a sweep's points), in manifest order. */
  names: Record<string, string[]>;
}

export type ManifestResult =
  | { ok: true; manifest: Manifest; warnings: ManifestIssue[] }
  | { ok: false; errors: ManifestIssue[]; warnings: ManifestIssue[] };
