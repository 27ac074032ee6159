import { WorkerLog } from './worker.log';

/** Asks the host how many MiB each GPU has in use, by index; null when it cannot say. */
export type GpuMemoryProbe = () => Promise<Map<number, number> | null>;

/**
 * The GPUs someone else's processes are using (SPEC §10): memory in use above
 * the threshold on a GPU none of this worker's jobs holds. Asked before each
 * claim, so a GPU is offered again as soon as it is freed.
 */
export class BusyGpus {
  private warnedUnknown = false;
  private reported = '';

  constructor(
    private readonly log: WorkerLog,
    private readonly thresholdMib: number,
    private readonly probe: GpuMemoryProbe,
  ) {}

  /** The indices among `candidates` (the GPUs no running job holds) that are busy; none when the probe fails. */
  async among(candidates: number[]): Promise<Set<number>> {
    if (candidates.length === 0) return new Set();
    const used = await this.probe();
    if (used === null) {
      // Once: the probe is asked before every claim, and the answer will not change by itself.
      if (!this.warnedUnknown) this.log.warn('nvidia-smi did not report GPU memory in use; offering every GPU no job of this worker holds');
      this.warnedUnknown = true;
      return new Set();
    }
    const busy = candidates.filter((index) => (used.get(index) ?? 0) > this.thresholdMib);
    // Logged when the set changes, not on every claim.
    const key = busy.join(',');
    if (key !== this.reported) {
      const which = busy.map((index) => `${index} (${used.get(index)} MiB)`).join(', ');
      this.log.info(
        key === '' ? 'no GPU busy with other processes' : `GPU ${which} in use by other processes (over ${this.thresholdMib} MiB): not offered`,
      );
      this.reported = key;
    }
    return new Set(busy);
  }
}
