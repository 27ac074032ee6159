import type { ProgressPoint } from '@cis490/contract';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { seriesOf } from '../progress-series';
import { MetricChart } from './metric-chart';

const sameMoment = (a: ProgressPoint, b: ProgressPoint) => a.at === b.at && a.step === b.step;

/**
 * One attempt's progress as charts. While it runs, the job's events carry its
 * latest point (at most once a second): appended here; when it ends, the whole
 * series is read again.
 */
export function ProgressCharts({ jobId, attempt, live, latest }: {
  jobId: string;
  attempt: number;
  live: boolean;
  latest: ProgressPoint | null;
}) {
  const [points, setPoints] = useState<ProgressPoint[] | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    let alive = true;
    api.progress(jobId, attempt).then(
      (answer) => alive && (setPoints(answer.points), setError('')),
      (err: Error) => alive && (setPoints([]), setError(err instanceof ApiError && err.status === 404 ? '' : err.message)),
    );
    return () => void (alive = false);
  }, [jobId, attempt, live]);

  useEffect(() => {
    if (!live || !latest) return;
    setPoints((known) => (known && !known.some((p) => sameMoment(p, latest)) ? [...known, latest] : known));
  }, [latest, live]);

  const { names, series } = useMemo(() => seriesOf(points ?? []), [points]);
  if (points === null) return <p class="muted">Loading progress…</p>;
  if (error) return <p class="error-text">Progress: {error}</p>;
  if (!names.length) {
    return (
      <p class="muted">
        No metrics reported{points.length ? ` (${points.length} points without values)` : ''}. A trainer reports them by
        appending JSON lines to <code>$CIS490_PROGRESS_FILE</code>.
      </p>
    );
  }
  return (
    <div class="charts">
      {names.map((name) => (
        <MetricChart name={name} series={series.get(name)!} />
      ))}
    </div>
  );
}
