import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createCompressStream, createDecompressStream, isZstdMagic, ZSTD_MAGIC } from './zstd';

async function through(stream: NodeJS.ReadWriteStream, input: Buffer, chunkSize = 7000): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const pieces = [];
  for (let i = 0; i < input.length; i += chunkSize) pieces.push(input.subarray(i, i + chunkSize));
  await pipeline(Readable.from(pieces), stream, async function (source: AsyncIterable<string | Buffer>) {
    for await (const chunk of source) chunks.push(Buffer.from(chunk));
  });
  return Buffer.concat(chunks);
}

/** Compressible text plus incompressible noise: both paths of the encoder. */
const sample = Buffer.concat([Buffer.from('epoch,loss\n'.repeat(20000)), randomBytes(300_000)]);

describe('zstd', () => {
  it('round-trips through its own streams', async () => {
    const compressed = await through(createCompressStream(), sample);
    expect(compressed.length).toBeLessThan(sample.length);
    expect(isZstdMagic(compressed)).toBe(true);
    expect((await through(createDecompressStream(), compressed)).equals(sample)).toBe(true);
  });

  it('writes frames the zstd CLI decodes, and decodes the CLI frames', async () => {
    const compressed = await through(createCompressStream(3), sample);
    expect(execFileSync('zstd', ['-d', '-c', '-q'], { input: compressed, maxBuffer: 64 << 20 }).equals(sample)).toBe(true);
    const fromCli = execFileSync('zstd', ['-c', '-q', '-19'], { input: sample, maxBuffer: 64 << 20 });
    expect((await through(createDecompressStream(), fromCli)).equals(sample)).toBe(true);
  });

  it('gives the same bytes however the input is chunked', async () => {
    const a = await through(createCompressStream(), sample, 1000);
    const b = await through(createCompressStream(), sample, 65536);
    expect(a.equals(b)).toBe(true);
  });

  it('gives the same bytes for any number of worker threads, over input that spans several of their jobs', async () => {
    // Level 3 hands each worker jobs of a few MiB: 24 MiB makes several, with a seam between each.
    const large = Buffer.concat(Array.from({ length: 8 }, (_, i) => Buffer.concat([sample, Buffer.alloc(i * 1000, i)])));
    const big = Buffer.concat([large, large, large, large, large, large, large, large]).subarray(0, 24 << 20);
    const one = await through(createCompressStream(3, { nbWorkers: 1 }), big, 1 << 20);
    for (const nbWorkers of [2, 4]) {
      expect((await through(createCompressStream(3, { nbWorkers }), big, 65536)).equals(one)).toBe(true);
    }
    expect((await through(createDecompressStream(), one)).equals(big)).toBe(true);
  });

  it('rejects garbage and truncated frames', async () => {
    await expect(through(createDecompressStream(), randomBytes(1000))).rejects.toThrow();
    const compressed = await through(createCompressStream(), sample);
    await expect(through(createDecompressStream(), compressed.subarray(0, compressed.length - 10))).rejects.toThrow();
  });

  it('recognizes the magic number only at the start of a buffer', () => {
    expect(ZSTD_MAGIC.equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))).toBe(true);
    expect(isZstdMagic(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00]))).toBe(true);
    expect(isZstdMagic(Buffer.from([0x28, 0xb5, 0x2f]))).toBe(false);
    expect(isZstdMagic(Buffer.from([0x1f, 0x8b, 0x08, 0x00]))).toBe(false);
    expect(isZstdMagic(Buffer.from([0x00, 0x28, 0xb5, 0x2f, 0xfd]))).toBe(false);
    expect(isZstdMagic(Buffer.alloc(0))).toBe(false);
  });
});
