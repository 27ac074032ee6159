import http from 'node:http';
import { AddressInfo } from 'node:net';
import type { FleetEvent } from '@cis490/contract';
import { FleetEventStream } from './event-stream';
import { jobLog } from './log-stream';
import { ReceiverClient } from './receiver.client';
import { ReceiverError } from './receiver.errors';

/**
 * A loopback server standing in for the receiver where only a stub can do it:
 * a connection cut in the middle of a body, at a chosen byte.
 */
async function stub(handle: (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void) {
  let n = 0;
  const seen: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req);
    handle(req, res, n++);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    seen,
    client: new ReceiverClient({ baseUrl: url, timeoutMs: 2000 }),
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

const json = (res: http.ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

describe('jobLog', () => {
  it('reopens a stream cut mid-way from the bytes it has, on the attempt it began with, and ends with the attempt', async () => {
    const log = Buffer.from('line one\nligne deux é\nthird\n');
    const s = await stub((req, res, n) => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname.endsWith('/log')) {
        const offset = Number(url.searchParams.get('offset') ?? 0);
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-log-attempt': '2' });
        // The first answer stops inside the "é" and the connection breaks.
        if (n === 0) res.write(log.subarray(0, 21), () => res.destroy());
        else res.end(log.subarray(offset));
      } else {
        json(res, 200, { id: 'a'.repeat(64), attempt: 2, status: 'failed' });
      }
    });
    try {
      const chunks: Buffer[] = [];
      for await (const c of jobLog(s.client, 'aaaaaaaa', { follow: true, baseMs: 1 })) chunks.push(c);
      expect(Buffer.concat(chunks).equals(log)).toBe(true);
      const urls = s.seen.map((r) => r.url);
      expect(urls[0]).toBe('/v1/job/aaaaaaaa/log?follow=1');
      expect(urls[1]).toBe('/v1/job/aaaaaaaa/log?attempt=2&offset=21&follow=1');
      // The response ended: the job says the attempt is over, and a last plain read finds nothing more.
      expect(urls.slice(2)).toEqual(['/v1/job/aaaaaaaa', `/v1/job/aaaaaaaa/log?attempt=2&offset=${log.length}`]);
    } finally {
      await s.close();
    }
  });

  it('reopens a follow that ended while the attempt still runs (a receiver shutting down ends it cleanly)', async () => {
    const s = await stub((req, res, n) => {
      if (req.url!.includes('/log')) {
        res.writeHead(200, { 'x-log-attempt': '1' }).end(n === 0 ? 'a' : n === 2 ? 'b' : '');
      } else json(res, 200, { attempt: 1, status: n === 1 ? 'running' : 'completed' });
    });
    try {
      const chunks: string[] = [];
      for await (const c of jobLog(s.client, 'aaaaaaaa', { follow: true })) chunks.push(c.toString());
      expect(chunks.join('')).toBe('ab');
      expect(s.seen.map((r) => r.url)).toEqual([
        '/v1/job/aaaaaaaa/log?follow=1',
        '/v1/job/aaaaaaaa',
        '/v1/job/aaaaaaaa/log?attempt=1&offset=1&follow=1',
        '/v1/job/aaaaaaaa',
        '/v1/job/aaaaaaaa/log?attempt=1&offset=2',
      ]);
    } finally {
      await s.close();
    }
  });
});

describe('FleetEventStream', () => {
  it('hands over messages in order after onOpen, and reconnects with Last-Event-ID after a break', async () => {
    const s = await stub((req, res, n) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (n === 0) {
        res.write('retry: 10\n\n: keep-alive\n\nid: 7\nevent: counts\ndata: {"pending":1}\n\nid: 8\nevent: some-later-kind\ndata: {}\n\n');
        res.write('id: 9\nevent: job\ndata: {"id":"j1",', () => setTimeout(() => res.destroy(), 20));
      } else {
        res.end('event: reset\ndata: {"reason":"gone"}\n\nid: 10\nevent: worker\ndata: {"worker_id":"lab1"}\n\n');
      }
    });
    const stop = new AbortController();
    const seen: string[] = [];
    const errors: string[] = [];
    const events: FleetEvent[] = [];
    const stream = new FleetEventStream(
      s.client,
      {
        onOpen: ({ resumed }) => {
          seen.push(resumed ? 'resumed' : 'open');
        },
        onEvent: (e) => {
          events.push(e);
          seen.push(`${e.event} ${e.id}`);
          if (e.event === 'worker') stop.abort();
        },
        onError: (err) => errors.push(err.name),
      },
      { signal: stop.signal },
    );
    try {
      await stream.run();
      expect(seen).toEqual(['open', 'counts 7', 'resumed', 'reset NaN', 'worker 10']);
      expect(events[0].data).toEqual({ pending: 1 });
      expect(events[1].data).toEqual({ reason: 'gone' });
      // The half message (id 9) was never handed over; a kind this client does not know (8) was.
      expect(s.seen[0].headers['last-event-id']).toBeUndefined();
      expect(s.seen[1].headers['last-event-id']).toBe('8');
      expect(errors).toEqual(['ReceiverUnreachableError']);
      expect(stream.lastEventId).toBe('10');
    } finally {
      await s.close();
    }
  });

  it('a break while onOpen still runs (fetching state) is a retry, not an unhandled error', async () => {
    const s = await stub((_req, res, n) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (n === 0) res.write('retry: 10\n\n', () => res.destroy());
      else res.end('id: 3\nevent: counts\ndata: {"running":2}\n\n');
    });
    const stop = new AbortController();
    const opens: boolean[] = [];
    const errors: Error[] = [];
    const stream = new FleetEventStream(
      s.client,
      {
        onOpen: async ({ resumed }) => {
          opens.push(resumed);
          await new Promise((r) => setTimeout(r, 50));
        },
        onEvent: () => stop.abort(),
        onError: (err) => errors.push(err),
      },
      { signal: stop.signal },
    );
    try {
      await stream.run();
      expect(opens).toEqual([false, false]);
      expect(errors).toHaveLength(1);
      expect(stream.lastEventId).toBe('3');
    } finally {
      await s.close();
    }
  });

  it('ends with the receiver\'s refusal (a 4xx is not retried)', async () => {
    const s = await stub((_req, res) => json(res, 404, { statusCode: 404, error: 'Not Found', message: 'Cannot GET /v1/events' }));
    try {
      await expect(new FleetEventStream(s.client, { onEvent: () => undefined }).run()).rejects.toBeInstanceOf(ReceiverError);
    } finally {
      await s.close();
    }
  });
});
