import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiverClient, ReceiverClientFactory, ReceiverError } from '@cis490/client';
import { BundleVerificationError, pullBundle } from './bundle-download';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('pullBundle', () => {
  const bundle = Buffer.from('(\xb5/\xfd a bundle that is long enough to come in more than one piece '.repeat(2000));
  const good = sha(bundle);
  let server: Server;
  let client: ReceiverClient;
  let dir: string;
  /** What the store answers for a sha: the right bytes, other bytes, or a transfer cut short. */
  let answer: 'right' | 'wrong' | 'cut';

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url !== `/v1/models/${good}`) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ statusCode: 404, error: 'Not Found', message: 'no such artifact' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/zstd', 'content-length': bundle.length });
      if (answer === 'right') res.end(bundle);
      else if (answer === 'wrong') res.end(Buffer.alloc(bundle.length, 1));
      else res.write(bundle.subarray(0, 1000), () => res.destroy());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    client = new ReceiverClientFactory().create({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cis490-pull-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the bytes under the name asked for once their hash matches', async () => {
    answer = 'right';
    const file = join(dir, 'b.tar.zst');
    const pulled = await pullBundle(client, good.toUpperCase(), file);
    expect(pulled).toEqual({ sha256: good, size: bundle.length, path: file });
    expect(readFileSync(file).equals(bundle)).toBe(true);
    expect(readdirSync(dir)).toEqual(['b.tar.zst']);
  });

  it('leaves nothing when the bytes are not the bundle asked for', async () => {
    answer = 'wrong';
    const file = join(dir, 'b.tar.zst');
    await expect(pullBundle(client, good, file)).rejects.toThrow(BundleVerificationError);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('leaves nothing when the transfer is cut short', async () => {
    answer = 'cut';
    await expect(pullBundle(client, good, join(dir, 'b.tar.zst'))).rejects.toThrow();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('creates no file for an artifact the store does not have', async () => {
    const file = join(dir, 'b.tar.zst');
    await expect(pullBundle(client, 'a'.repeat(64), file)).rejects.toBeInstanceOf(ReceiverError);
    expect(existsSync(file) || existsSync(`${file}.part`)).toBe(false);
  });
});
