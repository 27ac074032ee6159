import type { Capability, FreeGpu } from '@cis490/contract';

/** `lab1, 8 cores, 31.3 GiB RAM, CUDA: no` — the capability in one line, for logs and self-test. */
export function describeCapability(c: Capability): string {
  const cuda = c.cuda ? `yes (${c.gpus.map((g) => `${g.name} ${g.vram_gib} GiB`).join(', ') || `${c.vram_gib} GiB`})` : 'no';
  return `${c.hostname}, ${c.cores} cores, ${c.ram_gib} GiB RAM, CUDA: ${cuda}`;
}

/**
 * `capability` without --json: aligned `key  value` lines, one per field; the
 * GPUs with their indices (what CUDA_VISIBLE_DEVICES takes) when known.
 */
export function capabilityLines(c: Capability, indexed?: readonly FreeGpu[]): string[] {
  const gpus = indexed
    ? indexed.map((g) => `${g.index}: ${g.name} (${g.vram_gib} GiB)`)
    : c.gpus.map((g) => `${g.name} (${g.vram_gib} GiB)`);
  const rows: [string, string][] = [
    ['hostname', c.hostname],
    ['cores', String(c.cores)],
    ['ram_gib', String(c.ram_gib)],
    ['cuda', c.cuda ? 'yes' : 'no'],
    ['vram_gib', String(c.vram_gib)],
    ['gpus', gpus.length ? gpus.join(', ') : 'none'],
    ['torch_version', c.torch_version ?? '-'],
    ['git_commit', c.git_commit ?? '-'],
    ['platform', c.platform],
    ['arch', c.arch],
  ];
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return rows.map(([k, v]) => `${k.padEnd(width)}${v}`);
}
