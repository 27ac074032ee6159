import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FleetEvent } from '@cis490/contract';
import { FleetEventStream } from './event-stream';
import { jobLog } from './log-stream';
import { type Failover, ReceiverClient } from './receiver.client';
import { isUnanswered, ReceiverList } from './receiver-list';
import { NoReceiverAnsweredError, ReceiverError, ReceiverUnreachableError } from './receiver.errors';

/** What one stand-in receiver saw: each request's method, URL, headers and body digest. */
interface Seen {
  url: string;
  headers: http.IncomingHttpHeaders;
  sha256: string;
  size: number;
}

interface Stub {
  url: string;
  port: number;
  seen: Seen[];
  close(): Promise<void>;
}

const stubs: Stub[] = [];

/**
 * A real loopback server standing in for one receiver: `reply` answers each
 * request once its body is read whole.
 */
function startStub(reply: (seen: Seen, res: http.ServerResponse) => void): Promise<Stub> {
  return listen(reply);
}

/**
 * One that answers by hand as soon as a request arrives, before its body is
 * read (to cut a connection midway); `seen` gets each request's headers.
 */
function startRawStub(handle: (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void): Promise<Stub> {
  return listen(() => undefined, handle);
}

async function listen(
  reply: (seen: Seen, res: http.ServerResponse) => void,
  handle?: (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void,
): Promise<Stub> {
  const seen: Seen[] = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    if (handle) {
      seen.push({ url: req.url ?? '', headers: req.headers, sha256: '', size: 0 });
      handle(req, res, n++);
      return;
    }
    const hash = crypto.createHash('sha256');
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      size += chunk.length;
    });
    req.on('end', () => {
      const s = { url: req.url ?? '', headers: req.headers, sha256: hash.digest('hex'), size };
      seen.push(s);
      reply(s, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const stub: Stub = {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
  stubs.push(stub);
  return stub;
}

/** The URL of a loopback port nothing listens on: a receiver that is down. */
async function deadUrl(): Promise<string> {
  const stub = await startStub(() => undefined);
  await stub.close();
  stubs.splice(stubs.indexOf(stub), 1);
  return stub.url;
}

const json = (res: http.ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

const health = { status: 'ok', version: 'test' };
const page = { jobs: [], counts: {}, next_cursor: null };

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cis490-failover-'));
});
afterEach(async () => {
  await Promise.all(stubs.splice(0).map((s) => s.close()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('ReceiverList', () => {
  it('takes a comma list, normalizes each URL and counts a receiver written twice once', () => {
    const list = new ReceiverList(' http://rx1:8471/ , https://rx2.lab/fleet,http://rx1:8471');
    expect(list.urls).toEqual(['http://rx1:8471', 'https://rx2.lab/fleet']);
    expect(new ReceiverList(['http://a:1', 'http://b:2/,http://a:1']).urls).toEqual(['http://a:1', 'http://b:2']);
  });

  it('names the bad element of a list', () => {
    expect(() => new ReceiverList('http://a:1,,http://b:2')).toThrow(/^element 2 of 3 is empty: give receivers' URLs separated by single commas/);
    expect(() => new ReceiverList('http://a:1,ftp://b')).toThrow('element 2 of 2 must be an http:// or https:// URL, got "ftp://b"');
    expect(() => new ReceiverList('http://a:1,')).toThrow(/^element 2 of 2 is empty/);
    expect(() => new ReceiverList('')).toThrow(/^is empty: give a receiver's URL/);
  });

  it('offers every receiver once from the one in use, and keeps the one that answered', () => {
    const list = new ReceiverList('http://a:1,http://b:2,http://c:3');
    expect(list.inTurn().map((r) => r.url)).toEqual(['http://a:1', 'http://b:2', 'http://c:3']);
    expect(list.answered(2)).toBe(true);
    expect(list.answered(2)).toBe(false);
    expect(list.current).toBe('http://c:3');
    expect(list.inTurn()).toEqual([
      { index: 2, url: 'http://c:3' },
      { index: 0, url: 'http://a:1' },
      { index: 1, url: 'http://b:2' },
    ]);
  });

  it('counts no answer, and a proxy\'s 502/503/504 for a dead receiver, as unanswered; any other answer as an answer', () => {
    expect(isUnanswered(new ReceiverUnreachableError('http://a', 'connect ECONNREFUSED'))).toBe(true);
    for (const status of [502, 503, 504]) expect(isUnanswered(new ReceiverError(status, '', null))).toBe(true);
    for (const status of [400, 401, 404, 409, 422, 500]) expect(isUnanswered(new ReceiverError(status, '', null))).toBe(false);
    expect(isUnanswered(new Error('ENOENT'))).toBe(false);
  });
});

describe('ReceiverClient failover', () => {
  it('moves on from a receiver that refuses connections, and stays on the one that answered', async () => {
    const dead = await deadUrl();
    const live = await startStub((_s, res) => json(res, 200, page));
    const failovers: Failover[] = [];
    const client = new ReceiverClient({ baseUrl: `${dead},${live.url}`, onFailover: (f) => failovers.push(f) });
    expect(client.baseUrl).toBe(dead);

    await client.listJobs();
    await client.listJobs();
    await client.listJobs();

    expect(live.seen).toHaveLength(3);
    expect(client.baseUrl).toBe(live.url);
    expect(client.receiverUrls).toEqual([dead, live.url]);
    // Said once, when it moved; later calls went straight to the receiver that answers.
    expect(failovers).toHaveLength(1);
    expect(failovers[0]).toMatchObject({ from: dead, to: live.url });
    expect(failovers[0].unanswered.map((u) => u.url)).toEqual([dead]);
    expect(failovers[0].unanswered[0].error.message).toMatch(/ECONNREFUSED/);
  });

  it('moves on from a proxy answering 502, 503 or 504 for a receiver that is down', async () => {
    for (const status of [502, 503, 504]) {
      const proxy = await startStub((_s, res) => res.writeHead(status, { 'content-type': 'text/html' }).end('<html>down</html>'));
      const live = await startStub((_s, res) => json(res, 200, health));
      const client = new ReceiverClient({ baseUrl: [proxy.url, live.url] });
      expect(await client.health()).toEqual(health);
      expect(await client.health()).toEqual(health);
      expect([proxy.seen.length, live.seen.length]).toEqual([1, 2]);
    }
  });

  it('never asks another receiver after an answer: a 4xx or a 500 is the fleet\'s answer', async () => {
    const second = await startStub((_s, res) => json(res, 200, {}));
    for (const [status, error] of [
      [404, 'Not Found'],
      [409, 'Conflict'],
      [500, 'Internal Server Error'],
    ] as const) {
      const first = await startStub((_s, res) => json(res, status, { statusCode: status, error, message: 'no' }));
      const client = new ReceiverClient({ baseUrl: [first.url, second.url] });
      await expect(client.getJob('deadbeef')).rejects.toMatchObject({ status });
      expect(first.seen).toHaveLength(1);
    }
    expect(second.seen).toHaveLength(0);
  });

  it('moves on from a receiver that accepts but does not answer within the timeout', async () => {
    const silent = await startStub(() => undefined);
    const live = await startStub((_s, res) => json(res, 200, health));
    const client = new ReceiverClient({ baseUrl: [silent.url, live.url], timeoutMs: 300 });
    const began = Date.now();
    expect(await client.health()).toEqual(health);
    expect(Date.now() - began).toBeGreaterThanOrEqual(290);
    expect(client.baseUrl).toBe(live.url);
  });

  it('when none answers, fails once with every URL tried and what happened at each', async () => {
    const dead = await deadUrl();
    const proxy = await startStub((_s, res) => res.writeHead(503).end());
    const client = new ReceiverClient({ baseUrl: [dead, proxy.url], retry: false });

    const err = await client.workers().catch((e: unknown) => e);

    expect(err).toBeInstanceOf(NoReceiverAnsweredError);
    expect(err).toBeInstanceOf(ReceiverUnreachableError);
    const port = new URL(dead).port;
    expect((err as Error).message).toBe(
      `no receiver answered: ${dead} (connect ECONNREFUSED 127.0.0.1:${port}); ${proxy.url} (503 Service Unavailable)`,
    );
    expect((err as NoReceiverAnsweredError).tried.map((t) => t.url)).toEqual([dead, proxy.url]);
    expect(client.baseUrl).toBe(dead);
  });

  it('does not wait between receivers: the policy\'s backoff is for when none answers', async () => {
    const dead = await deadUrl();
    const live = await startStub((_s, res) => json(res, 200, page));
    const retries: number[] = [];
    const client = new ReceiverClient({
      baseUrl: [dead, live.url],
      retry: { attempts: 3, baseMs: 5_000, maxMs: 5_000, onRetry: (_err, attempt) => retries.push(attempt) },
    });
    expect(await client.listJobs()).toEqual(page);
    expect(retries).toEqual([]);
  });

  it('retries whole rounds with backoff while none answers', async () => {
    const a = await deadUrl();
    const b = await startStub((_s, res) => (b.seen.length <= 2 ? res.writeHead(502).end() : json(res, 200, health)));
    const retries: [string, number][] = [];
    const client = new ReceiverClient({
      baseUrl: [a, b.url],
      retry: { attempts: 5, baseMs: 5, maxMs: 10, onRetry: (err, attempt) => retries.push([err.name, attempt]) },
    });
    expect(await client.health()).toEqual(health);
    expect(retries).toEqual([
      ['NoReceiverAnsweredError', 1],
      ['NoReceiverAnsweredError', 2],
    ]);
    expect(b.seen).toHaveLength(3);
    expect(client.baseUrl).toBe(b.url);
  });

  it('stops at once when the caller aborts, without trying the next receiver', async () => {
    const controller = new AbortController();
    const shutdown = new Error('worker shutdown');
    const silent = await startStub(() => controller.abort(shutdown));
    const live = await startStub((_s, res) => json(res, 200, health));
    const client = new ReceiverClient({ baseUrl: [silent.url, live.url] });
    await expect(client.health({ signal: controller.signal })).rejects.toBe(shutdown);
    expect(live.seen).toHaveLength(0);
  });

  it('sends a whole upload again, from the file, to the next receiver when the first one dies midway', async () => {
    const data = crypto.randomBytes(2 * 1024 * 1024 + 3);
    const file = path.join(tmp, 'bundle.tar.zst');
    fs.writeFileSync(file, data);
    const sha256 = crypto.createHash('sha256').update(data).digest('hex');
    let cutAfter = 0;
    // Takes some of the body, then the connection dies, as a receiver killed mid-upload does.
    const dying = await startRawStub((req) => {
      req.on('data', (chunk: Buffer) => {
        cutAfter += chunk.length;
        if (cutAfter >= 256 * 1024) req.socket.destroy();
      });
    });
    const live = await startStub((s, res) => json(res, 201, { sha256: s.sha256, size: s.size, path: 'p', deduplicated: false }));
    const client = new ReceiverClient({ baseUrl: [dying.url, live.url], workerToken: 'wk' });

    const result = await client.upload('a'.repeat(64), file, { workerId: 'w', sha256 });

    expect(cutAfter).toBeGreaterThanOrEqual(256 * 1024);
    expect(cutAfter).toBeLessThan(data.length);
    expect(result).toMatchObject({ sha256, size: data.length });
    expect(live.seen).toHaveLength(1);
    expect(live.seen[0].headers).toMatchObject({ 'x-content-sha256': sha256, 'content-length': String(data.length), authorization: 'Bearer wk' });
  });
});

describe('streams across receivers', () => {
  it('follows a log on the next receiver from the byte where the first one stopped', async () => {
    const log = Buffer.from('epoch 1\nepoch 2\nepoch 3\n');
    const first: Stub = await startRawStub((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-log-attempt': '1' });
      // Half the log, then the receiver is gone: the connection breaks and nothing listens any more.
      res.write(log.subarray(0, 10), () => void first.close());
    });
    const second = await startStub((s, res) => {
      const url = new URL(s.url, 'http://x');
      if (url.pathname.endsWith('/log')) {
        res.writeHead(200, { 'x-log-attempt': '1' }).end(log.subarray(Number(url.searchParams.get('offset') ?? 0)));
      } else json(res, 200, { attempt: 1, status: 'completed' });
    });
    const client = new ReceiverClient({ baseUrl: [first.url, second.url], timeoutMs: 2000 });

    const chunks: Buffer[] = [];
    for await (const c of jobLog(client, 'aaaaaaaa', { follow: true, baseMs: 1 })) chunks.push(c);

    expect(Buffer.concat(chunks).toString()).toBe(log.toString());
    expect(second.seen[0].url).toBe('/v1/job/aaaaaaaa/log?attempt=1&offset=10&follow=1');
  });

  it('reconnects events to the next receiver without the last one\'s id, telling onOpen to refetch', async () => {
    const first: Stub = await startRawStub((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('retry: 10\n\nid: 1700000000000005\nevent: counts\ndata: {"pending":1}\n\n', () =>
        setTimeout(() => void first.close(), 20),
      );
    });
    const second = await startRawStub((_req, res, n) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // Its first stream breaks before a message: the next is still not resumed with the first receiver's id.
      if (n === 0) res.write(': hello\n\n', () => setTimeout(() => res.destroy(), 20));
      else res.end('id: 42\nevent: counts\ndata: {"pending":0}\n\n');
    });
    const client = new ReceiverClient({ baseUrl: [first.url, second.url], timeoutMs: 2000 });
    const stop = new AbortController();
    const opens: boolean[] = [];
    const events: FleetEvent[] = [];
    const stream = new FleetEventStream(
      client,
      {
        onOpen: ({ resumed }) => void opens.push(resumed),
        onEvent: (e) => {
          events.push(e);
          if (e.id === 42) stop.abort();
        },
      },
      { signal: stop.signal },
    );
    await stream.run();

    expect(opens).toEqual([false, false, false]);
    expect(events.map((e) => e.id)).toEqual([1700000000000005, 42]);
    expect(first.seen).toHaveLength(1);
    expect(second.seen.map((r) => r.headers['last-event-id'])).toEqual([undefined, undefined]);
    expect(stream.lastEventId).toBe('42');
  });
});

