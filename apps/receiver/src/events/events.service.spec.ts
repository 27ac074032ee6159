import type { Readable } from 'node:stream';
import type { JobView } from '@cis490/contract';
import { JobFeed } from '@cis490/jobs';
import { type JobsHarness, manifestOf, startJobs } from '../../../../test/support/jobs.testing';
import { EventBuffer } from './event-buffer';
import { EventsService, KEEP_ALIVE_MS } from './events.service';

/** Everything a client stream has received so far, as text. */
function collect(stream: Readable): () => string {
  let text = '';
  stream.on('data', (d) => (text += d));
  return () => text;
}

/** Lets the streams deliver what was written (they do so on a later tick). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

const job = (over: Partial<JobView> = {}) => ({ id: 'a'.repeat(64), status: 'running', ...over }) as JobView;

describe('EventBuffer', () => {
  /** The messages a replay holds, as id and text. */
  const replayed = (replay: ReturnType<EventBuffer['since']>) =>
    'messages' in replay ? replay.messages.map(({ id, text }) => ({ id, text })) : replay;

  it('replays after an id it holds, and resets one it no longer holds or never gave', () => {
    const buffer = new EventBuffer(3, 100);
    for (let i = 0; i < 5; i++) buffer.add((id) => `m${id}`);
    // Holds 102, 103, 104.
    expect(replayed(buffer.since('102'))).toEqual([{ id: 103, text: 'm103' }, { id: 104, text: 'm104' }]);
    expect(replayed(buffer.since('101'))).toEqual([102, 103, 104].map((id) => ({ id, text: `m${id}` })));
    expect(buffer.since('104')).toEqual({ messages: [] });
    expect(buffer.since('100')).toHaveProperty('reset');
    expect(buffer.since('105')).toHaveProperty('reset');
    expect(buffer.since('abc')).toHaveProperty('reset');
  });

  it('frames a message once, when it is first read', () => {
    const buffer = new EventBuffer(3, 100);
    const framed: number[] = [];
    const message = buffer.add((id) => (framed.push(id), `m${id}`));
    expect(framed).toEqual([]);
    expect([message.text, message.text]).toEqual(['m100', 'm100']);
    expect(framed).toEqual([100]);
  });
});

describe('EventsService', () => {
  let h: JobsHarness;
  let events: EventsService;
  let feed: JobFeed;

  beforeEach(async () => {
    h = await startJobs();
    await h.queue.reload(manifestOf([{ mode: 'a' }, { mode: 'b' }]));
    // Only the timers are fake; the queue and the workers are real, on the harness's clock.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    feed = h.module.get(JobFeed);
    events = new EventsService(feed, h.queue, h.workers);
    await events.onApplicationBootstrap();
  });
  afterEach(async () => {
    events.onModuleDestroy();
    jest.useRealTimers();
    await h.close();
  });

  it('tells progress at most once a second per job, the latest view winning, and transitions at once', async () => {
    const read = collect(events.connect());
    feed.publish({ kind: 'job', job: job({ log_size: 1 }), transition: false });
    feed.publish({ kind: 'job', job: job({ log_size: 2 }), transition: false });
    feed.publish({ kind: 'job', job: job({ log_size: 3 }), transition: false });
    await settle();
    expect(read().match(/event: job/g)).toHaveLength(1);
    jest.advanceTimersByTime(1000);
    await settle();
    expect(read().match(/event: job/g)).toHaveLength(2);
    expect(read()).toContain('"log_size":3');
    expect(read()).not.toContain('"log_size":2');
    feed.transition(job({ status: 'completed' }));
    await settle();
    expect(read().match(/event: job/g)).toHaveLength(3);
  });

  it('tells counts and workers when they change, and a worker going offline by time alone', async () => {
    const read = collect(events.connect());
    const claimed = await h.mustClaim('w1');
    await jest.advanceTimersByTimeAsync(300);
    expect(read()).toContain(`"status":"claimed"`);
    expect(read().match(/event: counts\ndata: (.*)/)![1]).toBe(
      JSON.stringify({ pending: 1, claimed: 1, running: 0, completed: 0, failed: 0, cancelled: 0 }),
    );
    expect(read()).toMatch(new RegExp(`event: worker\\ndata: .*"online":true,"current_job_ids":\\["${claimed.id}"\\]`));
    // Nothing changed: nothing told.
    await h.queue.heartbeat(claimed.id, { worker_id: 'w1' });
    const before = read().match(/event: (counts|worker)/g)!.length;
    await jest.advanceTimersByTimeAsync(300);
    expect(read().match(/event: worker/g)).toHaveLength(1);
    h.clock.advance(3 * 30 + 1);
    await jest.advanceTimersByTimeAsync(5_300);
    expect(read().match(/event: (counts|worker)/g)!.length).toBe(before + 2);
    expect(read().match(/event: worker\ndata: (.*)/g)!.pop()).toContain('"online":false');
  });

  it('keeps idle streams alive with a comment, and turns a mass change into a reset', async () => {
    const read = collect(events.connect());
    jest.advanceTimersByTime(KEEP_ALIVE_MS);
    await settle();
    expect(read()).toContain(': keep-alive\n\n');
    feed.publish({ kind: 'jobs', count: 5000, reason: 'manifest reloaded: 5000 jobs changed' });
    await settle();
    expect(read()).toMatch(/id: \d+\nevent: reset\ndata: \{"reason":"manifest reloaded: 5000 jobs changed"\}\n\n/);
  });
});
