import { EffectiveWorker, effectiveWorker, ineligibility } from './eligibility';
import { HostSpec, JobConstraints } from './manifest.types';

/**
 * Each declared host at its most capable: what it does not declare is treated
 * as unlimited, so only the manifest itself can rule a job out.
 */
export function declaredHostsAtBest(hosts: readonly HostSpec[]): EffectiveWorker[] {
  const unlimited = { cuda: true, vram_gib: Infinity, ram_gib: Infinity, cores: Infinity };
  return hosts.map((host) => effectiveWorker({ hostname: host.hostname, capability: unlimited }, host));
}

/**
 * Null when some declared host could run the job; otherwise a sentence with
 * every host's reason. No declared hosts means nothing to judge by: null.
 */
export function coverageProblem(job: JobConstraints & { model: string }, workers: readonly EffectiveWorker[]): string | null {
  if (workers.length === 0) return null;
  const reasons: string[] = [];
  for (const worker of workers) {
    const reason = ineligibility(job, worker);
    if (reason === null) return null;
    reasons.push(`${worker.hostname}: ${reason}`);
  }
  return `no declared host can run it (${reasons.join('; ')})`;
}
