import { type WorkerView, terminalSafeDeep } from '@cis490/contract';
import { Palette } from '../output/colors';
import { relativeTime } from '../output/relative-time';
import { renderTable } from '../output/table';
import { gib, shortId, truncate } from '../output/text';

/** `a1b2c3d4 +2`: the first job a worker holds, and how many more. */
export function currentJobs(ids: string[]): string {
  if (!ids.length) return '-';
  return ids.length === 1 ? shortId(ids[0]) : `${shortId(ids[0])} +${ids.length - 1}`;
}

/** `2/3`: the jobs a worker runs now of those it may run at once. */
export const slotsUsed = (w: WorkerView): string => `${w.current_jobs.length}/${w.slots}`;

/**
 * Which GPUs run which job: `gpu 0: 3f2a9c1d7e0b, gpu 1,2: a1b2c3d4e5f6, cpu: …`,
 * by GPU index, jobs without a GPU last; '-' when idle.
 */
export function gpuJobs(w: WorkerView): string {
  if (!w.current_jobs.length) return '-';
  const first = (gpus: number[]) => (gpus.length ? Math.min(...gpus) : Infinity);
  return [...w.current_jobs]
    .sort((a, b) => first(a.gpus) - first(b.gpus))
    .map((j) => `${j.gpus.length ? `gpu ${[...j.gpus].sort((a, b) => a - b).join(',')}` : 'cpu'}: ${shortId(j.job_id)}`)
    .join(', ');
}

export function formatWorkers(received: WorkerView[], colors: Palette, now: number): string {
  // What the fleet sends is shown to a person: no escape sequence of a worker's may reach the terminal.
  const workers = terminalSafeDeep(received);
  if (!workers.length) return 'no worker has been seen yet';
  const rows = workers.map((w) => {
    const c = w.capability;
    return [
      truncate(w.worker_id, 12),
      truncate(w.hostname, 10),
      w.online ? colors.green('yes') : colors.dim('no'),
      c.cuda ? `yes ${gib(c.vram_gib)}` : 'no',
      gib(c.ram_gib),
      String(c.cores),
      slotsUsed(w),
      gpuJobs(w),
      relativeTime(w.last_seen, now),
    ];
  });
  return renderTable(['ID', 'HOST', 'ONLINE', 'CUDA/VRAM', 'RAM', 'CORES', 'SLOTS', 'JOBS', 'LAST SEEN'], rows, colors);
}
