import type { ProgressPoint, ResultsView } from '@cis490/contract';
import { toCsv } from '../../apps/dashboard/src/csv';
import { formatBytes, formatExact, formatRelative, progressFraction } from '../../apps/dashboard/src/format';
import { isNewer } from '../../apps/dashboard/src/live/job-merge';
import { seriesOf } from '../../apps/dashboard/src/progress-series';
import { resultsCsv } from '../../apps/dashboard/src/results-table';

const point = (over: Partial<ProgressPoint>): ProgressPoint => ({
  at: '2026-11-28T10:00:00.000Z', step: null, total: null, epoch: null, message: null, values: {}, ...over,
});

describe('dashboard: how values read', () => {
  it('sizes in KiB and MiB, times relative with the exact one in UTC here', () => {
    expect([0, 1023, 1536, 5 * 1024 * 1024, 300 * 1024 * 1024].map(formatBytes)).toEqual(['0 B', '1023 B', '1.5 KiB', '5.0 MiB', '300 MiB']);
    const now = Date.parse('2026-11-28T12:00:00Z');
    expect(formatRelative('2026-11-28T11:57:00Z', now)).toBe('3 min ago');
    expect(formatRelative('2026-11-28T09:30:00Z', now)).toBe('2 h 30 min ago');
    expect(formatRelative('2026-11-28T11:59:58Z', now)).toBe('just now');
    // In the zone the tests run in (UTC under npm test), with the zone named.
    const exact = formatExact('2026-11-28T11:57:03.120Z');
    if (new Date('2026-11-28T11:57:03Z').getTimezoneOffset() === 0) expect(exact).toBe('2026-11-28 11:57:03 UTC');
    else expect(exact).toMatch(/^2026-11-2\d \d\d:\d7:03 UTC[+-]\d\d:\d\d$/);
    expect(progressFraction({ step: 50, total: 200 })).toBe(0.25);
    expect(progressFraction({ step: 50, total: null })).toBeNull();
  });

  it('charts each metric over step, or over time when a point carrying it has no step', () => {
    const byStep = seriesOf([
      point({ message: 'loading' }),
      point({ step: 2, values: { loss: 0.5 } }),
      point({ step: 1, values: { loss: 0.9, acc: 0.4 } }),
      point({ message: 'done' }),
    ]);
    expect(byStep.names).toEqual(['loss', 'acc']);
    expect(byStep.series.get('loss')).toEqual({ xs: [1, 2], ys: [0.9, 0.5], time: false });
    expect(byStep.series.get('acc')).toEqual({ xs: [1], ys: [0.4], time: false });
    const byTime = seriesOf([point({ values: { loss: 1 } }), point({ at: '2026-11-28T10:00:05.000Z', step: 3, values: { loss: 2 } })]);
    expect(byTime.series.get('loss')).toMatchObject({ time: true, xs: [1795860000, 1795860005] });
  });

  it('writes the leaderboard as CSV, hyper values and metrics as columns, quoting what needs it', () => {
    const board: ResultsView = {
      model: 'gbt', metric: 'acc', order: 'desc',
      results: [
        { job_id: 'a'.repeat(64), mode: 'realistic', seed: 0, hyper: { lr: 0.1, note: 'x, "y"' }, metrics: { acc: 0.9, tag: 'best' }, artifact_sha256: 'f'.repeat(64), finished_at: '2026-11-28T10:00:00.000Z', worker_id: 'lab1' },
        { job_id: 'b'.repeat(64), mode: 'oracle', seed: 1, hyper: { depth: 3 }, metrics: null, artifact_sha256: null, finished_at: null, worker_id: null },
      ],
    };
    expect(resultsCsv(board).split('\r\n')).toEqual([
      'rank,job_id,mode,seed,depth,lr,note,acc,finished_at,worker_id,artifact_sha256',
      `1,${'a'.repeat(64)},realistic,0,,0.1,"x, ""y""",0.9,2026-11-28T10:00:00.000Z,lab1,${'f'.repeat(64)}`,
      `2,${'b'.repeat(64)},oracle,1,3,,,,,,`,
      '',
    ]);
    expect(toCsv(['a'], [['line\nbreak']])).toBe('a\r\n"line\nbreak"\r\n');
  });

  it('keeps the newer of two views of a job, whichever came first', () => {
    const base = { updated_at: '2026-11-28T10:00:00Z', attempt: 1, log_size: 10, progress: point({ step: 1 }) } as any;
    expect(isNewer({ ...base, updated_at: '2026-11-28T10:00:01Z' }, base)).toBe(true);
    expect(isNewer({ ...base, updated_at: '2026-11-28T09:59:59Z' }, base)).toBe(false);
    expect(isNewer({ ...base, log_size: 20, progress: point({ at: '2026-11-28T10:00:02Z' }) }, base)).toBe(true);
    expect(isNewer({ ...base, log_size: 5 }, base)).toBe(false);
  });
});
