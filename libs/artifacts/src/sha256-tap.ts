import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** Passes bytes through unchanged while hashing and counting them, so nothing is read twice. */
export class Sha256Tap extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private count = 0;

  get bytes(): number {
    return this.count;
  }

  /** Lowercase hex; call once, after the stream has finished. */
  digest(): string {
    return this.hash.digest('hex');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.count += chunk.length;
    done(null, chunk);
  }
}
