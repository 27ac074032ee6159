import { type HealthView, type JobView, type WorkerView, terminalSafeDeep } from '@cis490/contract';
import { Palette } from '../output/colors';
import { duration, relativeTime } from '../output/relative-time';
import { renderFields, renderTable } from '../output/table';
import { errorSummary, firstLine, shortId, truncate } from '../output/text';
import { formatCounts } from './job-status.format';

export interface FleetStatus {
  receiver: string;
  health: HealthView;
  workers: WorkerView[];
  recentFailures: JobView[];
}

/** How many failures `status` lists, newest first. */
export const RECENT_FAILURES = 5;

/** The failed jobs that finished last, newest first. */
export function recentFailures(failed: JobView[], n = RECENT_FAILURES): JobView[] {
  const at = (j: JobView) => Date.parse(j.finished_at ?? j.updated_at) || 0;
  return [...failed].sort((a, b) => at(b) - at(a)).slice(0, n);
}

export function formatStatus(received: FleetStatus, colors: Palette, now: number): string {
  // What the fleet sends is shown to a person: no escape sequence of a worker's may reach the terminal.
  const s = terminalSafeDeep(received);
  const { health, workers } = s;
  const online = workers.filter((w) => w.online);
  const manifest = health.manifest;
  const manifestLine = manifest.error
    ? `${manifest.path}  ${colors.red(`error: ${firstLine(manifest.error)}`)}`
    : `${manifest.path}  ${manifest.jobs} jobs, loaded ${relativeTime(manifest.loaded_at, now)}`;
  const lines = [
    renderFields(
      [
        ['receiver', `${s.receiver}  v${health.version}, up ${duration(health.uptime_s)}`],
        ['manifest', manifestLine],
        ['jobs', formatCounts(health.counts, colors)],
        [
          'workers',
          `${online.length} online of ${workers.length}` +
            (online.length ? `: ${online.map((w) => w.worker_id).join(', ')}` : ''),
        ],
      ],
      colors,
    ),
  ];
  if (s.recentFailures.length) {
    lines.push('', colors.bold('recent failures'));
    const rows = s.recentFailures.map((j) => [
      shortId(j.id),
      truncate(`${j.model}/${j.mode}`, 20),
      relativeTime(j.finished_at ?? j.updated_at, now),
      truncate(errorSummary(j.error ?? ''), 34),
    ]);
    lines.push(renderTable(['ID', 'MODEL/MODE', 'WHEN', 'ERROR'], rows, colors, '  '));
  }
  return lines.join('\n');
}
