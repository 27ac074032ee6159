import type { JobCounts, JobView, ProgressPoint, WorkerView } from '@cis490/contract';
import type { FleetState } from '../watch/fleet-state';
import { Palette, PLAIN } from '../output/colors';
import { duration, relativeTime } from '../output/relative-time';
import { renderTable } from '../output/table';
import { errorSummary, formatValue, shortId, truncate } from '../output/text';
import { colorStatus, formatCounts } from './job-status.format';
import { currentJobs } from './workers.format';

/** Metric values shown per job; the dashboard and `GET /v1/job/{id}/progress` have them all. */
const VALUES_SHOWN = 3;
const BAR_WIDTH = 20;

/** `loss 0.41  val_accuracy 0.83`: the latest point's first few metric values. */
export function formatValues(values: Record<string, number> | undefined, max = VALUES_SHOWN): string {
  const entries = Object.entries(values ?? {});
  const shown = entries.slice(0, max).map(([k, v]) => `${k} ${formatValue(v)}`);
  if (entries.length > max) shown.push(`+${entries.length - max}`);
  return shown.join('  ');
}

/** `120/1000 12%`, or `step 120` without a total; with `bar`, a bar in front. */
export function formatProgress(p: ProgressPoint | null, bar: boolean): string {
  if (!p || p.step === null) return p?.epoch != null ? `epoch ${p.epoch}` : '-';
  if (p.total === null || !(p.total > 0)) return `step ${formatValue(p.step)}`;
  const fraction = Math.min(1, Math.max(0, p.step / p.total));
  const figures = `${formatValue(p.step)}/${formatValue(p.total)} ${Math.floor(fraction * 100)}%`;
  if (!bar) return figures;
  const filled = Math.round(fraction * BAR_WIDTH);
  return `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)} ${figures}`;
}

// --- one line per change, for a stdout that is not a terminal -------------------

export function describeCounts(counts: JobCounts): string {
  return `jobs ${formatCounts(counts, PLAIN)}`;
}

/** `worker lab1 (host lab1) online, running 3f2a9c1d0a1b +1`. */
export function describeWorker(w: WorkerView): string {
  const state = w.online ? `online, ${w.current_job_ids.length ? `running ${currentJobs(w.current_job_ids)}` : 'idle'}` : 'offline';
  return `worker ${w.worker_id} (host ${w.hostname}) ${state}`;
}

/** `job 3f2a9c1d0a1b gbt/realistic seed 0 running on lab1, 120/1000 12%, loss 0.41, "epoch 2"`. */
export function describeJob(j: JobView): string {
  const parts = [`job ${shortId(j.id)} ${j.model}/${j.mode} seed ${j.seed} ${j.status}`];
  if (j.status === 'claimed' || j.status === 'running') {
    parts[0] += ` on ${j.worker_id ?? '-'} (attempt ${j.attempt})`;
    if (j.progress) {
      parts.push(formatProgress(j.progress, false));
      const values = formatValues(j.progress.values);
      if (values) parts.push(values);
      if (j.progress.message) parts.push(JSON.stringify(truncate(j.progress.message, 60)));
    }
  } else if (j.status === 'failed' && j.error) {
    parts.push(errorSummary(j.error));
  } else if (j.status === 'completed' && j.metrics) {
    parts.push(formatValues(numericOnly(j.metrics)));
  }
  return parts.filter(Boolean).join(', ');
}

const numericOnly = (o: Record<string, unknown>): Record<string, number> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => typeof v === 'number' && Number.isFinite(v))) as Record<string, number>;

// --- the screen, for a terminal -------------------------------------------------

export interface WatchScreen {
  receiver: string;
  /** Why the view may be out of date (the receiver is unreachable), or null while live. */
  problem: string | null;
  /** False until the first snapshot has arrived. */
  loaded: boolean;
}

/** The whole screen: counts, workers, then the jobs workers hold with their progress. */
export function formatWatchScreen(state: FleetState, screen: WatchScreen, colors: Palette, now: number): string {
  const status = screen.problem ? colors.red(screen.problem) : colors.green('live');
  const lines = [`${colors.bold('cis490 fleet')}  ${screen.receiver}  ${status}  ${colors.dim('(Ctrl-C to quit)')}`];
  if (!screen.loaded) return [...lines, '', 'connecting…'].join('\n');

  const workers = state.workerList();
  const online = workers.filter((w) => w.online).length;
  const jobs = state.activeJobs();
  lines.push(`${colors.bold('jobs')}     ${state.counts ? formatCounts(state.counts, colors) : '-'}`);
  lines.push(`${colors.bold('workers')}  ${online} online of ${workers.length}`, '');
  if (workers.length) {
    const rows = workers.map((w) => [
      truncate(w.worker_id, 16),
      truncate(w.hostname, 12),
      w.online ? colors.green('yes') : colors.dim('no'),
      currentJobs(w.current_job_ids),
      relativeTime(w.last_seen, now),
    ]);
    lines.push(renderTable(['WORKER', 'HOST', 'ONLINE', 'JOBS', 'LAST SEEN'], rows, colors, '  '), '');
  }
  lines.push(`${colors.bold('running')}  ${jobs.length}`);
  if (jobs.length) {
    const rows = jobs.map((j) => [
      shortId(j.id),
      truncate(`${j.model}/${j.mode}`, 24),
      truncate(j.worker_id ?? '-', 12),
      colorStatus(j.status, colors),
      j.claimed_at ? duration((now - Date.parse(j.claimed_at)) / 1000) : '-',
      formatProgress(j.progress, true),
      formatValues(j.progress?.values),
      truncate(j.progress?.message ?? '', 40),
    ]);
    lines.push(renderTable(['JOB', 'MODEL/MODE', 'WORKER', 'STATUS', 'FOR', 'PROGRESS', 'METRICS', 'MESSAGE'], rows, colors, '  '));
  }
  return lines.join('\n');
}
