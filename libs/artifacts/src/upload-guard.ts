import { Transform, type TransformCallback } from 'node:stream';
import { NotZstdError, UploadTooLargeError } from './artifact.errors';
import { ZSTD_MAGIC } from './zstd';

/**
 * Fails an upload as early as its bytes allow: at the first byte that breaks the
 * zstd magic number (however the first four bytes are split into chunks), and
 * at the first chunk that takes the body past the size limit.
 */
export class UploadGuard extends Transform {
  private magicSeen = 0;
  private received = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    for (let i = 0; this.magicSeen < ZSTD_MAGIC.length && i < chunk.length; i++, this.magicSeen++) {
      if (chunk[i] !== ZSTD_MAGIC[this.magicSeen]) return done(new NotZstdError());
    }
    this.received += chunk.length;
    if (this.received > this.maxBytes) return done(new UploadTooLargeError(this.maxBytes));
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    // A body shorter than the magic number is not zstd either.
    done(this.magicSeen < ZSTD_MAGIC.length ? new NotZstdError() : null);
  }
}
