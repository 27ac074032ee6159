import { EffectiveWorker, ineligibility, type JobConstraints } from '@cis490/manifest';

export interface JudgedWorker {
  worker_id: string;
  effective: EffectiveWorker;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * Why a pending job is still pending, as one sentence for an operator:
 * nobody online, one reason that every online worker shares, each worker's
 * own reason, or that some worker could run it once it is free.
 */
export function pendingReason(job: JobConstraints & { model: string }, online: readonly JudgedWorker[]): string {
  if (online.length === 0) return 'no worker is online';
  const refusals = online.map((w) => ({ worker_id: w.worker_id, reason: ineligibility(job, w.effective) }));
  const able = refusals.filter((r) => r.reason === null).length;
  if (able > 0) {
    return `waiting for a free worker (${plural(able, 'online worker', 'online workers')} can run it)`;
  }
  const reasons = [...new Set(refusals.map((r) => r.reason as string))];
  if (reasons.length === 1) {
    const [reason] = reasons;
    if (reason.startsWith('needs ')) return `${reason} and no online worker has it`;
    if (reason.startsWith('may run only on ')) {
      return `${reason}, ${job.allowed_hosts.length === 1 ? 'which is not online' : 'none of which is online'}`;
    }
  }
  return `no online worker can run it: ${refusals.map((r) => `${r.worker_id} (${r.reason})`).join(', ')}`;
}
