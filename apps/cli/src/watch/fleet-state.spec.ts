import type { FleetEvent, JobCounts } from '@cis490/contract';
import { jobView, progressPoint, workerView } from '../../../../test/support/views.fixtures';
import { FleetState } from './fleet-state';

const counts = (over: Partial<JobCounts> = {}): JobCounts => ({
  pending: 0, claimed: 0, running: 0, completed: 0, failed: 0, cancelled: 0, ...over,
});
const event = <K extends FleetEvent['event']>(e: K, data: unknown, id = 1): FleetEvent => ({ id, event: e, data } as FleetEvent);

describe('FleetState', () => {
  it('keeps the jobs workers hold, each message the whole view: a repeat changes nothing, a finished job leaves', () => {
    const state = new FleetState();
    state.replace({ counts: counts({ running: 1 }), workers: [workerView()], jobs: [jobView()] });
    const later = jobView({ updated_at: '2026-11-28T12:00:09.000Z', progress: progressPoint() });

    expect(state.apply(event('job', later))).toBe(true);
    expect(state.apply(event('job', later))).toBe(true);
    expect(state.activeJobs()).toEqual([later]);

    expect(state.apply(event('job', jobView({ status: 'completed', updated_at: '2026-11-28T12:05:00.000Z' })))).toBe(true);
    expect(state.activeJobs()).toEqual([]);
    expect(state.apply(event('counts', counts({ completed: 1 })))).toBe(true);
    expect(state.counts).toEqual(counts({ completed: 1 }));
  });

  it('ignores a message older than what it holds (one on its way while the snapshot was read)', () => {
    const state = new FleetState();
    const now = jobView({ updated_at: '2026-11-28T12:00:09.000Z', progress: progressPoint({ at: '2026-11-28T12:00:09.000Z' }) });
    state.replace({ counts: counts(), workers: [workerView({ last_seen: '2026-11-28T12:00:09.000Z' })], jobs: [now] });

    expect(state.apply(event('job', jobView({ status: 'claimed', started_at: null })))).toBe(false);
    expect(state.apply(event('job', { ...now, progress: progressPoint({ at: '2026-11-28T12:00:01.000Z' }) }))).toBe(false);
    expect(state.apply(event('worker', workerView({ online: false })))).toBe(false);
    expect(state.activeJobs()).toEqual([now]);
    expect(state.workerList()[0].online).toBe(true);
    // A later attempt is news whatever its times say.
    expect(state.apply(event('job', jobView({ attempt: 2, status: 'claimed' })))).toBe(true);
  });

  it('lists running jobs before claimed ones, and online workers first', () => {
    const state = new FleetState();
    const claimed = jobView({ id: 'b'.repeat(64), status: 'claimed', claimed_at: '2026-11-28T11:00:00.000Z' });
    const running = jobView({ id: 'a'.repeat(64) });
    state.replace({
      counts: counts(),
      workers: [workerView({ worker_id: 'a-off', online: false }), workerView({ worker_id: 'z-on' })],
      jobs: [claimed, running, jobView({ id: 'c'.repeat(64), status: 'pending' })],
    });
    expect(state.activeJobs().map((j) => j.id[0])).toEqual(['a', 'b']);
    expect(state.workerList().map((w) => w.worker_id)).toEqual(['z-on', 'a-off']);
  });
});
