import { effectiveConstraints, type JobConstraints } from '@cis490/manifest';

/**
 * A job's model and constraints as the parser gives them: a VRAM minimum or a
 * GPU makes it CUDA-only, and a CUDA job holds one GPU unless told otherwise.
 */
export function jobConstraints(over: Partial<JobConstraints & { model: string }> = {}): JobConstraints & { model: string } {
  // A field given as undefined takes its default, as a field left out of the manifest does.
  const given = Object.fromEntries(Object.entries(over).filter(([, value]) => value !== undefined));
  const { model = 'gbt', ...declared } = given as Partial<JobConstraints & { model: string }>;
  return {
    model,
    ...effectiveConstraints({
      require_cuda: false,
      prefer_cuda: false,
      min_vram_gib: 0,
      min_ram_gib: 0,
      allowed_hosts: [],
      ...declared,
      gpus: declared.gpus ?? null,
    }),
  };
}

/** A value as TOML writes it: strings quoted, tables inline. */
function tomlValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(tomlValue).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{ ${Object.entries(value).map(([k, v]) => `${k} = ${tomlValue(v)}`).join(', ')} }`;
  }
  return String(value);
}

/** A manifest of `[[jobs]]` tables, one per entry, keys in the order given. */
export function jobsToml(jobs: Record<string, unknown>[]): string {
  return jobs.map((job) => `[[jobs]]\n${Object.entries(job).map(([k, v]) => `${k} = ${tomlValue(v)}\n`).join('')}`).join('\n');
}
