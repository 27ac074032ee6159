import { MAX_NOTIFY_BYTES } from '@cis490/db';
import type { JobView } from '@cis490/contract';
import { newsKey, payloads } from './feed-relay';
import type { FeedChange } from './job-feed';

const job = (id: string, error: string | null = null) => ({ id, status: 'running', error }) as unknown as JobView;
const parse = (payload: string) => JSON.parse(payload) as { origin: string; changes: FeedChange[] };

describe('FeedRelay payloads', () => {
  it('packs a batch into as few notifications as fit, each under the limit, in order', () => {
    const changes: FeedChange[] = Array.from({ length: 300 }, (_, i) => ({
      kind: 'job',
      job: job(`j${i}`, 'x'.repeat(100)),
      transition: true,
    }));
    const out = payloads('rx1', changes);
    expect(out.length).toBeGreaterThan(1);
    for (const payload of out) expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(MAX_NOTIFY_BYTES);
    const sent = out.flatMap((p) => parse(p).changes);
    expect(sent.map((c) => c.kind === 'job' && c.job.id)).toEqual(changes.map((c) => c.kind === 'job' && c.job.id));
    expect(out.every((p) => parse(p).origin === 'rx1')).toBe(true);
  });

  it('tells a change too large for one notification as "many jobs changed", so listeners refetch', () => {
    const huge: FeedChange = { kind: 'job', job: job('big', 'e'.repeat(MAX_NOTIFY_BYTES)), transition: true };
    const [payload] = payloads('rx1', [huge]);
    expect(parse(payload).changes).toEqual([{ kind: 'jobs', count: 1, reason: 'a job changed' }]);
  });

  it('lets later news of a job or worker replace earlier news, never a transition', () => {
    expect(newsKey({ kind: 'job', job: job('a'), transition: false })).toBe('job a');
    expect(newsKey({ kind: 'worker', worker_id: 'w1' })).toBe('worker w1');
    expect(newsKey({ kind: 'job', job: job('a'), transition: true })).toBeNull();
    expect(newsKey({ kind: 'claimable', reason: 'reload' })).toBeNull();
  });
});
