import type { Transform } from 'node:stream';
import { CompressStream, DecompressStream } from 'zstd-napi';

/** Every zstd frame starts with these four bytes (RFC 8878 §3.1.1). */
export const ZSTD_MAGIC: Buffer = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

export interface CompressOptions {
  /**
   * Compression threads. 0 (the default) compresses on the calling thread. Any
   * count >= 1 writes the same bytes as any other (and other bytes than 0), so
   * the output stays a pure function of the input, the level and this choice.
   */
  nbWorkers?: number;
}

/** A streaming zstd compressor; memory stays bounded whatever flows through it. */
export function createCompressStream(level = 3, options: CompressOptions = {}): Transform {
  return new CompressStream({ compressionLevel: level, nbWorkers: options.nbWorkers ?? 0 });
}

/** A streaming zstd decompressor; errors on corrupt input or a truncated frame. */
export function createDecompressStream(): Transform {
  return new DecompressStream();
}

/** True when `buf` begins with the zstd magic number. */
export function isZstdMagic(buf: Uint8Array): boolean {
  return buf.length >= ZSTD_MAGIC.length && ZSTD_MAGIC.every((byte, i) => buf[i] === byte);
}
