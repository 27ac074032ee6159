import type { JobConstraints, JobIdentity, ManifestIssue } from '@cis490/contract';

export type { JobConstraints, JobIdentity, ManifestIssue };

/** Hyper-parameter types a `[models.X].hyper` schema may name. */
export type HyperType = 'int' | 'float' | 'bool' | 'string' | 'array' | 'table';

/** One job of the manifest after defaults and sweep expansion. */
export interface JobSpec extends JobIdentity, JobConstraints {
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
}

export interface ModelSchema {
  hyper: Record<string, HyperType>;
}

export interface Manifest {
  defaults: ManifestDefaults;
  models: Record<string, ModelSchema>;
  hosts: Record<string, HostSpec>;
  jobs: JobSpec[];
}

export type ManifestResult =
  | { ok: true; manifest: Manifest; warnings: ManifestIssue[] }
  | { ok: false; errors: ManifestIssue[]; warnings: ManifestIssue[] };
