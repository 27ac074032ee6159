import { readdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { claimBody, type Harness, startReceiver } from '../support/receiver.harness';
import { jobsToml } from '../support/manifest.fixtures';

const WORKER_TOKEN = 'worker-secret-1';
const ONE = jobsToml([{ model: 'gbt', mode: 'realistic', seed: 1 }]);

/** Slow or unauthenticated clients cannot hold the receiver's memory, sockets or temp files. */
describe('receiver limits on slow and unauthenticated clients', () => {
  let h: Harness;
  let port: number;
  const sockets: Socket[] = [];

  beforeEach(async () => {
    h = await startReceiver(ONE, {
      CIS490_WORKER_TOKEN: WORKER_TOKEN,
      CIS490_REQUEST_TIMEOUT_S: '1',
      CIS490_MAX_CONNECTIONS: '16',
    });
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    port = (h.app.getHttpServer().address() as AddressInfo).port;
  });
  afterEach(async () => {
    sockets.splice(0).forEach((s) => s.destroy());
    await h.close();
  });

  /** A raw connection that sends `head` and then as much of a body as given, never the rest. */
  function partialRequest(head: string, bodyStart: string): Promise<{ socket: Socket; closed: Promise<string> }> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(head + bodyStart);
        let answer = '';
        socket.on('data', (d) => (answer += d));
        resolve({ socket, closed: new Promise((r) => socket.once('close', () => r(answer))) });
      });
      socket.once('error', reject);
      sockets.push(socket);
    });
  }
  const head = (method: string, path: string, length: number, headers = '') =>
    `${method} ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n${headers}\r\n`;

  it('refuses a body from a client without a token before reading it, and closes the connection', async () => {
    const { closed } = await partialRequest(head('POST', '/v1/manifest/reload', 1024 * 1024), '{"a":"');
    const answer = await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 401/);
    expect(answer).toMatch(/needs the worker token/);
  });

  it('answers a read that carries a body as any read (it is never read), and still closes it at the deadline', async () => {
    const started = Date.now();
    const { closed } = await partialRequest(head('GET', '/v1/jobs', 1024 * 1024), '{"a":"');
    const answer = await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer).toMatch(/"counts":/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('closes a JSON body that does not arrive whole within the request timeout', async () => {
    const started = Date.now();
    const { closed } = await partialRequest(
      head('POST', '/v1/job/claim', 4096, `authorization: Bearer ${WORKER_TOKEN}\r\n`),
      JSON.stringify(claimBody('lab1')).slice(0, 20),
    );
    await closed;
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('ends an upload that stalls, leaving no temp file behind', async () => {
    const claim = await h.app.inject({
      method: 'POST',
      url: '/v1/job/claim',
      payload: claimBody('lab1'),
      headers: { authorization: `Bearer ${WORKER_TOKEN}` },
    });
    const jobId = claim.json().job.id;
    const { closed } = await partialRequest(
      `PUT /v1/model/${jobId} HTTP/1.1\r\nhost: x\r\ncontent-type: application/zstd\r\ncontent-length: 1000000\r\n` +
        `x-worker-id: lab1\r\nauthorization: Bearer ${WORKER_TOKEN}\r\n\r\n`,
      '\x28\xb5\x2f\xfd' + 'x'.repeat(5000),
    );
    await closed;
    // The store removes what it spooled once the stream fails.
    await new Promise((r) => setTimeout(r, 300));
    expect(filesUnder(join(h.config.dataDir, 'models', '.incoming'))).toEqual([]);
  });

  it('refuses connections beyond CIS490_MAX_CONNECTIONS', async () => {
    const open = await Promise.all(Array.from({ length: 16 }, () => partialRequest('', '')));
    expect(open).toHaveLength(16);
    const { closed } = await partialRequest('GET /v1/health HTTP/1.1\r\nhost: x\r\n\r\n', '');
    expect(await closed).toBe('');
  });
});

function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name);
  } catch {
    return [];
  }
}
