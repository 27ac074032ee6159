import type { ResultRow } from '@cis490/contract';
import { PLAIN } from '../output/colors';
import { formatResults } from './results.format';

const row = (over: Partial<ResultRow> = {}): ResultRow => ({
  job_id: 'a'.repeat(64),
  mode: 'oracle',
  seed: 0,
  hyper: {},
  metrics: null,
  artifact_sha256: null,
  finished_at: '2026-11-28T12:00:00.000Z',
  worker_id: 'lab1',
  ...over,
});

describe('formatResults', () => {
  it('says when nothing has a metric to rank by, and when there may be more than the limit', () => {
    const view = { model: 'gbt', metric: null, order: 'desc' as const, results: [row({ hyper: { kernel: 'rbf', layers: [2, 3] } })] };
    const out = formatResults(view, { limit: 1 }, PLAIN).split('\n');
    expect(out[0]).toBe('gbt: 1 completed job, none with a numeric metric to rank by');
    expect(out[1]).toMatch(/^#\s+JOB\s+MODE\s+SEED\s+kernel\s+layers\s+FINISHED$/);
    expect(out[2]).toMatch(/^1\s+aaaaaaaaaaaa\s+oracle\s+0\s+rbf\s+\[2,3\]\s+2026-11-28 12:00:00Z$/);
    expect(out[3]).toBe('the first 1 shown; raise --limit for more');
  });
});
