import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

// The bench is plain JavaScript run by node (bench/ is not compiled).
const { LoadGenerator, rawRequest } = require('./load-generator');

/** A server answering with `answer(n, body)` for its n-th request (from 1); remembers the bodies it got. */
async function server(answer: (n: number, body: string) => { status: number; json?: unknown }) {
  const bodies: string[] = [];
  const srv = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      bodies.push(body);
      const { status, json } = answer(bodies.length, body);
      const text = json === undefined ? '' : JSON.stringify(json);
      res.writeHead(status, json === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as AddressInfo).port, bodies, close: () => new Promise((r) => srv.close(r)) };
}

describe('the bench load generator', () => {
  let gen: { run(spec: unknown): Promise<any>; close(): Promise<void> };
  beforeAll(() => (gen = LoadGenerator.start()));
  afterAll(() => gen.close());

  it('sends exactly `total` requests, each connection its own, and keeps the answers asked for', async () => {
    const srv = await server((n, body) => ({ status: 200, json: { n, from: JSON.parse(body).worker } }));
    try {
      const connections = ['a', 'b', 'c'].map((worker) => ({
        port: srv.port,
        request: rawRequest({ method: 'POST', path: '/claim', json: { worker } }),
      }));
      const run = await gen.run({ connections, total: 100, keep: 200 });
      expect(run).toMatchObject({ sent: 100, statuses: { 200: 100 } });
      expect(run.ms).toBeGreaterThan(0);
      expect(srv.bodies).toHaveLength(100);
      expect(new Set(srv.bodies.map((b) => JSON.parse(b).worker))).toEqual(new Set(['a', 'b', 'c']));
      expect(run.kept).toHaveLength(100);
      // Each kept answer comes with the connection (slot) that sent its request.
      for (const [slot, text] of run.kept) expect(JSON.parse(text).from).toBe(['a', 'b', 'c'][slot]);
      expect(new Set(run.kept.map(([, text]: [number, string]) => JSON.parse(text).n)).size).toBe(100);
    } finally {
      await srv.close();
    }
  });

  it('stops each connection at its first answer with `stopOn`', async () => {
    const srv = await server((n) => (n <= 50 ? { status: 200, json: { n } } : { status: 204 }));
    try {
      const request = rawRequest({ path: '/next' });
      const run = await gen.run({ connections: Array.from({ length: 4 }, () => ({ port: srv.port, request })), stopOn: 204, expect: [200, 204] });
      expect(run.statuses).toEqual({ 200: 50, 204: 4 });
      expect(run.sent).toBe(54);
    } finally {
      await srv.close();
    }
  });

  it('fails the run on an answer it was not told to expect, with the status and body', async () => {
    const srv = await server(() => ({ status: 500, json: { message: 'boom' } }));
    try {
      const request = rawRequest({ path: '/x' });
      await expect(gen.run({ connections: [{ port: srv.port, request }], total: 5 })).rejects.toThrow(/answered 500 .*boom/);
    } finally {
      await srv.close();
    }
  });

  it('writes requests as HTTP/1.1 text with a JSON body and its length', () => {
    expect(rawRequest({ method: 'POST', path: '/v1/job/claim', json: { a: 'é' }, headers: { 'x-t': '1' } })).toBe(
      'POST /v1/job/claim HTTP/1.1\r\nhost: 127.0.0.1\r\nx-t: 1\r\ncontent-type: application/json\r\ncontent-length: 10\r\n\r\n{"a":"é"}',
    );
  });
});
