import { type ArtifactRecord, terminalSafeDeep } from '@cis490/contract';
import { Palette } from '../output/colors';
import { relativeTime } from '../output/relative-time';
import { renderTable } from '../output/table';
import { formatBytes, shortId, truncate } from '../output/text';

export function formatModels(received: ArtifactRecord[], colors: Palette, now: number): string {
  // What the fleet sends is shown to a person: no escape sequence of a worker's may reach the terminal.
  const models = terminalSafeDeep(received);
  if (!models.length) return 'no artifacts match';
  const rows = models.map((m) => [
    shortId(m.sha256),
    truncate(m.model, 12),
    truncate(m.mode, 12),
    formatBytes(m.size),
    shortId(m.job_id),
    truncate(m.worker_id, 10),
    relativeTime(m.uploaded_at, now),
  ]);
  return renderTable(['SHA256', 'MODEL', 'MODE', 'SIZE', 'JOB', 'WORKER', 'UPLOADED'], rows, colors);
}
