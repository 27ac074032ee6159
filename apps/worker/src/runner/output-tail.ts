/**
 * The last `maxBytes` of a stream of output, so a trainer that prints for days
 * costs the worker a fixed amount of memory. A cut may split a UTF-8
 * character; the replacement character it leaves at the start is harmless.
 */
export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(readonly maxBytes: number) {}

  push(chunk: Buffer): void {
    if (chunk.length >= this.maxBytes) {
      this.chunks = [chunk.subarray(chunk.length - this.maxBytes)];
      this.size = this.maxBytes;
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.maxBytes) {
      const excess = this.size - this.maxBytes;
      const first = this.chunks[0];
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
      }
    }
  }

  text(): string {
    return Buffer.concat(this.chunks, this.size).toString('utf8');
  }

  /** The last `count` non-blank lines. */
  lastLines(count: number): string[] {
    const lines = this.text().split(/\r?\n/).filter((l) => l.trim() !== '');
    return lines.slice(-count);
  }
}
