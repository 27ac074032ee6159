import type { ProgressPoint } from '@cis490/contract';
import { formatNumber, progressFraction } from '../format';

/** The latest point of a job as a bar: step of total, epoch, the trainer's message. */
export function ProgressBar({ progress, compact }: { progress: ProgressPoint | null; compact?: boolean }) {
  if (!progress) return <span class="muted">no progress yet</span>;
  const fraction = progressFraction(progress);
  const parts: string[] = [];
  if (progress.step != null) parts.push(progress.total ? `${formatNumber(progress.step)}/${formatNumber(progress.total)}` : `step ${formatNumber(progress.step)}`);
  if (progress.epoch != null) parts.push(`epoch ${formatNumber(progress.epoch)}`);
  const label = parts.join(' · ');
  return (
    <div class={compact ? 'progress compact' : 'progress'} title={progress.message ?? label}>
      <div
        class="progress-track"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={fraction == null ? undefined : Math.round(fraction * 100)}
      >
        <div class={fraction == null ? 'progress-fill unknown' : 'progress-fill'} style={{ width: `${Math.round((fraction ?? 1) * 100)}%` }} />
      </div>
      <span class="progress-label">
        {fraction != null && <strong>{Math.floor(fraction * 100)}%</strong>} {label}
        {!compact && progress.message && <span class="muted"> — {progress.message}</span>}
      </span>
    </div>
  );
}
