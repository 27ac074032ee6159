import { promises as fsp } from 'node:fs';
import { MAX_PROGRESS_LINE_BYTES } from '@cis490/contract';

/** One trainer line as it will be sent: its object, with `at`. */
export interface ReadPoint {
  point: Record<string, unknown>;
  /** Its size as JSON, for keeping a request's body small. */
  bytes: number;
}

const READ_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * progress.jsonl as the trainer appends to it (SPEC §9): each whole line that
 * is a JSON object of at most MAX_PROGRESS_LINE_BYTES becomes a point; any
 * other line is skipped and counted, never fatal. Reads go on from where the
 * last one stopped, and only as far as asked, so the file holds what the
 * receiver has not taken yet and the worker's memory does not grow with it.
 */
export class ProgressFile {
  /** Where the first line not yet read starts. */
  private offset = 0;
  /** Inside a line already known to be too long: what is left of it is dropped. */
  private inLongLine = false;
  private skippedLines = 0;

  constructor(
    readonly file: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Lines skipped so far: not JSON, not an object, or over MAX_PROGRESS_LINE_BYTES. */
  get skipped(): number {
    return this.skippedLines;
  }

  /**
   * Up to `max` new points. `trainerGone`: the file is whole, so a last line
   * without its newline counts too.
   */
  async read(max: number, trainerGone: boolean): Promise<ReadPoint[]> {
    const points: ReadPoint[] = [];
    let handle;
    try {
      handle = await fsp.open(this.file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return points;
      throw err;
    }
    try {
      const buffer = Buffer.alloc(READ_BYTES);
      while (points.length < max) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
        if (bytesRead === 0) break;
        const data = buffer.subarray(0, bytesRead);
        let start = 0;
        for (let end = data.indexOf(NEWLINE); end >= 0 && points.length < max; end = data.indexOf(NEWLINE, start)) {
          this.take(data.subarray(start, end), points);
          start = end + 1;
        }
        const rest = data.length - start;
        const atEnd = bytesRead < buffer.length;
        // More of the last line may come, unless the file ends here and its writer is gone.
        const more = !(atEnd && trainerGone);
        if (points.length >= max || (rest <= MAX_PROGRESS_LINE_BYTES && !this.inLongLine && more)) {
          // Full, or a line still being written: read it again, whole, next time.
          this.offset += start;
          if (points.length >= max || atEnd) break;
          continue;
        }
        // No newline in sight: a line too long to keep (counted once), or the unterminated last one.
        if (rest > 0) this.take(data.subarray(start), points, more);
        this.offset += data.length;
        if (atEnd) break;
      }
    } finally {
      await handle.close();
    }
    return points;
  }

  /** One line, without its newline; `partial` when more of it is still to come. */
  private take(line: Buffer, into: ReadPoint[], partial = false): void {
    if (this.inLongLine) {
      this.inLongLine = partial;
      return;
    }
    if (line.length > MAX_PROGRESS_LINE_BYTES) {
      this.skippedLines++;
      this.inLongLine = partial;
      return;
    }
    const text = line.toString('utf8').trim();
    if (text === '') return; // a blank line says nothing, and is no error
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.skippedLines++;
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.skippedLines++;
      return;
    }
    const point = stamped(value as Record<string, unknown>, this.now());
    into.push({ point, bytes: Buffer.byteLength(JSON.stringify(point)) });
  }
}

/**
 * The trainer's own `at` when it gave a time; else when the worker read the
 * line, so a point sent late (the receiver was down) keeps its time.
 */
function stamped(point: Record<string, unknown>, readAt: Date): Record<string, unknown> {
  const own = point.at;
  if (typeof own === 'string' && Number.isFinite(Date.parse(own))) return point;
  return { ...point, at: readAt.toISOString() };
}
