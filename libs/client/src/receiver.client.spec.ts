import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ClaimRequest, JobView } from '@cis490/contract';
import { capability } from '../../../test/support/capability.fixtures';
import { ReceiverClient } from './receiver.client';
import { ReceiverError, ReceiverUnreachableError } from './receiver.errors';

/** What the stub receiver saw of one request. Bodies are hashed as they arrive, and kept only when small. */
interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  sha256: string;
  size: number;
  text: string;
}

type Reply = (req: Seen, res: http.ServerResponse) => void;

interface Stub {
  url: string;
  port: number;
  seen: Seen[];
  close(): Promise<void>;
}

const stubs: Stub[] = [];

/** A real HTTP server on loopback standing in for the receiver: the client's boundary. */
function startStub(reply: Reply, port = 0): Promise<Stub> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const hash = crypto.createHash('sha256');
    const small: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      size += chunk.length;
      if (size <= 64 * 1024) small.push(chunk);
    });
    req.on('end', () => {
      const s: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        sha256: hash.digest('hex'),
        size,
        text: Buffer.concat(small).toString('utf8'),
      };
      seen.push(s);
      reply(s, res);
    });
  });
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      const p = (server.address() as AddressInfo).port;
      const stub: Stub = {
        url: `http://127.0.0.1:${p}`,
        port: p,
        seen,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      };
      stubs.push(stub);
      resolve(stub);
    });
  });
}

/** A loopback port with nothing listening on it (for now). */
async function freePort(): Promise<number> {
  const stub = await startStub(() => undefined);
  await stub.close();
  stubs.splice(stubs.indexOf(stub), 1);
  return stub.port;
}

function send(res: http.ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html' : 'application/json' }).end(text);
}

const nestError = (statusCode: number, error: string, message: string | string[], extra = {}) => ({
  statusCode,
  error,
  message,
  ...extra,
});

const claimRequest: ClaimRequest = {
  worker_id: 'lab1-w0',
  hostname: 'lab1',
  capability: capability(),
};

const job = { id: 'a'.repeat(64), model: 'gbt', mode: 'realistic', status: 'claimed' } as JobView;

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cis490-client-'));
});
afterEach(async () => {
  await Promise.all(stubs.splice(0).map((s) => s.close()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('ReceiverClient requests', () => {
  it('sends the worker token to worker endpoints and the operator token to operator endpoints only', async () => {
    const stub = await startStub((req, res) => {
      if (req.url === '/v1/job/claim') send(res, 200, { job, heartbeat_interval_s: 30, stale_after_s: 600 });
      else if (req.url === '/v1/health') send(res, 200, { status: 'ok' });
      else send(res, 200, job);
    });
    const client = new ReceiverClient({ baseUrl: `${stub.url}/`, operatorToken: 'op-secret', workerToken: 'wk-secret' });

    const claimed = await client.claim(claimRequest);
    await client.cancel(job.id);
    await client.health();

    expect(claimed).toEqual({ job, heartbeat_interval_s: 30, stale_after_s: 600 });
    const [claim, cancel, health] = stub.seen;
    expect(claim).toMatchObject({ method: 'POST', url: '/v1/job/claim' });
    expect(claim.headers).toMatchObject({ authorization: 'Bearer wk-secret', 'content-type': 'application/json' });
    expect(claim.headers['x-operator-token']).toBeUndefined();
    expect(JSON.parse(claim.text)).toEqual(claimRequest);

    expect(cancel).toMatchObject({ method: 'POST', url: `/v1/job/${job.id}/cancel` });
    expect(cancel.headers['x-operator-token']).toBe('op-secret');
    expect(cancel.headers.authorization).toBeUndefined();

    expect(health).toMatchObject({ method: 'GET', url: '/v1/health' });
    expect(health.headers['x-operator-token']).toBeUndefined();
    expect(health.headers.authorization).toBeUndefined();
  });

  it('puts list filters in the query string and leaves unset ones out', async () => {
    const stub = await startStub((_req, res) => send(res, 200, { jobs: [], counts: {}, next_cursor: null }));
    const client = new ReceiverClient({ baseUrl: stub.url });
    await client.listJobs({ status: 'pending', model: 'mlp', limit: 5, mode: undefined });
    await client.requeue('deadbeef', true);
    expect(stub.seen[0].url).toBe('/v1/jobs?status=pending&model=mlp&limit=5');
    expect(stub.seen[1]).toMatchObject({ url: '/v1/job/deadbeef/requeue', text: '{"force":true}' });
  });

  it('answers null to a claim with nothing eligible (204)', async () => {
    const stub = await startStub((_req, res) => send(res, 204));
    expect(await new ReceiverClient({ baseUrl: stub.url }).claim(claimRequest)).toBeNull();
  });

  it('returns a heartbeat 409 with cancel: true as an answer, and other 409s as errors', async () => {
    const stub = await startStub((req, res) =>
      req.url.startsWith('/v1/job/gone')
        ? send(res, 409, { status: 'cancelled', cancel: true })
        : send(res, 409, nestError(409, 'Conflict', 'job is not claimed by lab1-w0')),
    );
    const client = new ReceiverClient({ baseUrl: stub.url });
    expect(await client.heartbeat('gone0000', { worker_id: 'lab1-w0' })).toEqual({ status: 'cancelled', cancel: true });
    await expect(client.complete('other000', { worker_id: 'lab1-w0', artifact_sha256: 'f'.repeat(64) })).rejects.toThrow(
      new ReceiverError(409, 'Conflict', nestError(409, 'Conflict', 'job is not claimed by lab1-w0')),
    );
  });
});

describe('ReceiverClient errors', () => {
  it('turns a 4xx into a ReceiverError with the message, string or list', async () => {
    const stub = await startStub((req, res) => {
      if (req.url.startsWith('/v1/job/deadbeef')) send(res, 404, nestError(404, 'Not Found', 'no job matches deadbeef'));
      else send(res, 400, nestError(400, 'Bad Request', ['worker_id must be a string', 'hostname should not be empty']));
    });
    const client = new ReceiverClient({ baseUrl: stub.url });

    const notFound = await client.getJob('deadbeef').catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(ReceiverError);
    expect(notFound).toMatchObject({ status: 404, message: '404 Not Found: no job matches deadbeef' });

    const invalid = await client.fail('abcdef01', { worker_id: 'x', error: 'boom' }).catch((e: unknown) => e);
    expect(invalid).toMatchObject({
      status: 400,
      message: '400 Bad Request: worker_id must be a string; hostname should not be empty',
    });
  });

  it('keeps the validation errors of a rejected reload and the matches of an ambiguous id', async () => {
    const issues = [
      { path: 'jobs[3].min_vram_gib', message: 'must be >= 0' },
      { path: '', message: 'unexpected character', line: 4, column: 7 },
    ];
    const stub = await startStub((req, res) =>
      req.url === '/v1/manifest/reload'
        ? send(res, 422, nestError(422, 'Unprocessable Entity', 'manifest is invalid', { errors: issues }))
        : send(res, 409, nestError(409, 'Conflict', 'ambiguous id', { matches: ['abcdef0123', 'abcdef0199'] })),
    );
    const client = new ReceiverClient({ baseUrl: stub.url, operatorToken: 't' });
    await expect(client.reload()).rejects.toMatchObject({
      status: 422,
      message: '422 Unprocessable Entity: manifest is invalid',
      errors: issues,
    });
    await expect(client.cancel('abcdef01')).rejects.toMatchObject({ status: 409, matches: ['abcdef0123', 'abcdef0199'] });
  });

  it('reports a non-JSON error page by its first line', async () => {
    const stub = await startStub((_req, res) => send(res, 502, '<html>bad gateway</html>\n<body>…</body>'));
    await expect(new ReceiverClient({ baseUrl: stub.url }).health()).rejects.toMatchObject({
      status: 502,
      message: '502 Bad Gateway: <html>bad gateway</html>',
    });
  });

  it('fails at once with ReceiverUnreachableError when nothing listens and retry is off', async () => {
    const port = await freePort();
    const client = new ReceiverClient({ baseUrl: `http://127.0.0.1:${port}`, retry: false });
    const err = await client.workers().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReceiverUnreachableError);
    expect((err as Error).message).toBe(
      `cannot reach receiver at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });

  it('gives up on a receiver that accepts but never answers', async () => {
    const stub = await startStub(() => undefined);
    const client = new ReceiverClient({ baseUrl: stub.url, timeoutMs: 300 });
    const err = await client.health().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReceiverUnreachableError);
    expect(err).toMatchObject({ message: `cannot reach receiver at ${stub.url}: no answer within 300 ms` });
  });
});

describe('ReceiverClient retries', () => {
  const fast = { attempts: 5, baseMs: 5, maxMs: 20 };

  it('retries a 5xx with backoff until the receiver answers', async () => {
    let n = 0;
    const stub = await startStub((_req, res) =>
      ++n <= 2 ? send(res, 503, nestError(503, 'Service Unavailable', 'database is locked')) : send(res, 200, job),
    );
    const retries: [string, number][] = [];
    const client = new ReceiverClient({
      baseUrl: stub.url,
      retry: { ...fast, onRetry: (err, attempt) => retries.push([err.message, attempt]) },
    });
    expect(await client.complete(job.id, { worker_id: 'w', artifact_sha256: 'f'.repeat(64) })).toEqual(job);
    expect(stub.seen).toHaveLength(3);
    expect(retries).toEqual([
      ['503 Service Unavailable: database is locked', 1],
      ['503 Service Unavailable: database is locked', 2],
    ]);
  });

  it('never retries a 4xx', async () => {
    const stub = await startStub((_req, res) => send(res, 409, nestError(409, 'Conflict', 'not yours')));
    const client = new ReceiverClient({ baseUrl: stub.url, retry: fast });
    await expect(client.fail(job.id, { worker_id: 'w', error: 'x' })).rejects.toMatchObject({ status: 409 });
    expect(stub.seen).toHaveLength(1);
  });

  it('waits for a receiver that starts late', async () => {
    const port = await freePort();
    let starting: Promise<Stub> | undefined;
    const client = new ReceiverClient({
      baseUrl: `http://127.0.0.1:${port}`,
      retry: {
        attempts: Infinity,
        baseMs: 10,
        maxMs: 50,
        onRetry: (err) => {
          expect(err).toBeInstanceOf(ReceiverUnreachableError);
          starting ??= startStub((_req, res) => send(res, 204), port);
        },
      },
    });
    expect(await client.claim(claimRequest)).toBeNull();
    expect((await starting)?.seen).toHaveLength(1);
  });

  it('stops retrying when the caller aborts', async () => {
    const port = await freePort();
    const controller = new AbortController();
    const shutdown = new Error('worker shutdown');
    const client = new ReceiverClient({
      baseUrl: `http://127.0.0.1:${port}`,
      retry: { attempts: Infinity, baseMs: 10, maxMs: 50, onRetry: () => controller.abort(shutdown) },
    });
    await expect(client.claim(claimRequest, { signal: controller.signal })).rejects.toBe(shutdown);
  });
});

describe('ReceiverClient bundles', () => {
  function randomFile(bytes: number): { file: string; sha256: string } {
    const file = path.join(tmp, 'bundle.tar.zst');
    const data = crypto.randomBytes(bytes);
    fs.writeFileSync(file, data);
    return { file, sha256: crypto.createHash('sha256').update(data).digest('hex') };
  }

  it('streams an upload with its length, worker id and checksum', async () => {
    const { file, sha256 } = randomFile(3 * 1024 * 1024 + 17);
    const stub = await startStub((req, res) =>
      send(res, 201, { sha256: req.sha256, size: req.size, path: `gbt_realistic/${req.sha256}/bundle.tar.zst`, deduplicated: false }),
    );
    const client = new ReceiverClient({ baseUrl: stub.url, workerToken: 'wk' });

    const result = await client.upload(job.id, file, { workerId: 'lab1-w0', sha256 });

    expect(result).toEqual({ sha256, size: 3 * 1024 * 1024 + 17, path: `gbt_realistic/${sha256}/bundle.tar.zst`, deduplicated: false });
    const [put] = stub.seen;
    expect(put).toMatchObject({ method: 'PUT', url: `/v1/model/${job.id}`, sha256 });
    expect(put.headers).toMatchObject({
      'content-type': 'application/zstd',
      'content-length': String(3 * 1024 * 1024 + 17),
      'x-worker-id': 'lab1-w0',
      'x-content-sha256': sha256,
      authorization: 'Bearer wk',
    });
    expect(put.headers['transfer-encoding']).toBeUndefined();
  });

  it('re-opens the file to retry an upload', async () => {
    const { file, sha256 } = randomFile(256 * 1024);
    let n = 0;
    const stub = await startStub((req, res) =>
      ++n === 1
        ? send(res, 500, nestError(500, 'Internal Server Error', 'disk hiccup'))
        : send(res, 201, { sha256: req.sha256, size: req.size, path: 'p', deduplicated: false }),
    );
    const client = new ReceiverClient({ baseUrl: stub.url, retry: { attempts: 3, baseMs: 5, maxMs: 10 } });
    expect(await client.upload(job.id, file, { workerId: 'w' })).toMatchObject({ sha256 });
    expect(stub.seen.map((s) => s.sha256)).toEqual([sha256, sha256]);
    expect(stub.seen[1].headers['x-content-sha256']).toBeUndefined();
  });

  it('does not retry an upload of a missing file', async () => {
    const stub = await startStub((_req, res) => send(res, 201, {}));
    const client = new ReceiverClient({ baseUrl: stub.url, retry: { attempts: 3, baseMs: 5, maxMs: 10 } });
    await expect(client.upload(job.id, path.join(tmp, 'missing.tar.zst'), { workerId: 'w' })).rejects.toMatchObject({
      code: 'ENOENT',
    });
    expect(stub.seen).toHaveLength(0);
  });

  it('streams a download with its size', async () => {
    const { file, sha256 } = randomFile(2 * 1024 * 1024 + 5);
    const stub = await startStub((req, res) => {
      if (req.url !== `/v1/models/${sha256}`) return send(res, 404, nestError(404, 'Not Found', 'no such bundle'));
      res.writeHead(200, { 'content-type': 'application/zstd', 'content-length': fs.statSync(file).size });
      fs.createReadStream(file, { highWaterMark: 64 * 1024 }).pipe(res);
    });
    const client = new ReceiverClient({ baseUrl: stub.url });

    const { body, size } = await client.downloadModel(sha256);
    const out = path.join(tmp, 'pulled.tar.zst');
    const hash = crypto.createHash('sha256');
    body.on('data', (chunk: Buffer) => hash.update(chunk));
    await pipeline(body, fs.createWriteStream(out));

    expect(size).toBe(2 * 1024 * 1024 + 5);
    expect(hash.digest('hex')).toBe(sha256);
    expect(fs.statSync(out).size).toBe(size);
    await expect(client.downloadModel('0'.repeat(64))).rejects.toMatchObject({
      status: 404,
      message: '404 Not Found: no such bundle',
    });
  });
});

describe('ReceiverClient stalls', () => {
  it('fails a download that stops sending data', async () => {
    const stub = await startStub((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/zstd', 'content-length': 1024 * 1024 });
      res.write(Buffer.alloc(64 * 1024));
    });
    const client = new ReceiverClient({ baseUrl: stub.url, timeoutMs: 300 });
    const { body } = await client.downloadModel('f'.repeat(64));
    const err = await pipeline(body, fs.createWriteStream(path.join(tmp, 'partial'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReceiverUnreachableError);
    expect(err).toMatchObject({ message: `cannot reach receiver at ${stub.url}: download stalled: no data for 300 ms` });
  });
});

describe('ReceiverClient options', () => {
  it('rejects a receiver URL it cannot use', () => {
    expect(() => new ReceiverClient({ baseUrl: 'lab-receiver:8471' })).toThrow('invalid receiver URL "lab-receiver:8471"');
    expect(() => new ReceiverClient({ baseUrl: 'not a url' })).toThrow('invalid receiver URL "not a url"');
  });
});
