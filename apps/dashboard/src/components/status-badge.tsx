import type { JobStatus } from '@cis490/contract';

/** A shape per status, so that the colour is never the only cue. */
const ICONS: Record<JobStatus, preact.JSX.Element> = {
  pending: <circle cx="6" cy="6" r="4" fill="none" stroke="currentColor" stroke-width="1.6" />,
  claimed: <path d="M6 1.5a4.5 4.5 0 1 0 0 9V6z" fill="currentColor" />,
  running: <path d="M3 1.8 10.2 6 3 10.2z" fill="currentColor" />,
  completed: <path d="m2 6.3 2.6 2.6L10 3.3" fill="none" stroke="currentColor" stroke-width="1.9" />,
  failed: <path d="m2.5 2.5 7 7m0-7-7 7" fill="none" stroke="currentColor" stroke-width="1.9" />,
  cancelled: (
    <g fill="none" stroke="currentColor" stroke-width="1.5">
      <circle cx="6" cy="6" r="4.3" />
      <path d="m3 9 6-6" />
    </g>
  ),
};

export function StatusIcon({ status }: { status: JobStatus }) {
  return (
    <svg class="status-icon" viewBox="0 0 12 12" width="12" height="12" aria-hidden="true">
      {ICONS[status]}
    </svg>
  );
}

export function StatusBadge({ status }: { status: JobStatus }) {
  return (
    <span class={`status status-${status}`}>
      <StatusIcon status={status} />
      {status}
    </span>
  );
}

/** Online or not, in words and shape. */
export function OnlineBadge({ online }: { online: boolean }) {
  return (
    <span class={`status ${online ? 'status-online' : 'status-offline'}`}>
      <svg class="status-icon" viewBox="0 0 12 12" width="12" height="12" aria-hidden="true">
        {online ? (
          <circle cx="6" cy="6" r="4" fill="currentColor" />
        ) : (
          <circle cx="6" cy="6" r="4" fill="none" stroke="currentColor" stroke-width="1.6" stroke-dasharray="2 1.6" />
        )}
      </svg>
      {online ? 'online' : 'offline'}
    </span>
  );
}
