import type { ArtifactRecord } from '@cis490/contract';
import { Palette } from '../output/colors';
import { relativeTime } from '../output/relative-time';
import { renderTable } from '../output/table';
import { formatBytes, shortId, truncate } from '../output/text';

export function formatModels(models: ArtifactRecord[], colors: Palette, now: number): string {
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
