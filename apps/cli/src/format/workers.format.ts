import type { WorkerView } from '@cis490/contract';
import { Palette } from '../output/colors';
import { relativeTime } from '../output/relative-time';
import { renderTable } from '../output/table';
import { gib, shortId, truncate } from '../output/text';

/** `a1b2c3d4 +2`: the first job a worker holds, and how many more. */
export function currentJobs(ids: string[]): string {
  if (!ids.length) return '-';
  return ids.length === 1 ? shortId(ids[0]) : `${shortId(ids[0])} +${ids.length - 1}`;
}

export function formatWorkers(workers: WorkerView[], colors: Palette, now: number): string {
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
      currentJobs(w.current_job_ids),
      relativeTime(w.last_seen, now),
    ];
  });
  return renderTable(['ID', 'HOST', 'ONLINE', 'CUDA/VRAM', 'RAM', 'CORES', 'JOBS', 'LAST SEEN'], rows, colors);
}
