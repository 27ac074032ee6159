import { promises as fsp } from 'node:fs';
import { MAX_PROGRESS_LINE_BYTES, parseProgressPoint, type ProgressPoint } from '@cis490/contract';
import type { SecretRedactor } from './secret-redactor';

/** One trainer line as it will be sent: what the receiver keeps of it, with `at`. */
export interface ReadPoint {
  point: Record<string, unknown>;
  /** Its size as JSON, for keeping a request's body small. */
  bytes: number;
}

const READ_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * progress.jsonl as the trainer appends to it (SPEC §9): each whole line of at
 * most MAX_PROGRESS_LINE_BYTES that is a good point by the receiver's own rule
 * (parseProgressPoint) becomes one; any other line is skipped and counted,
 * never fatal, so no batch is refused for it later. Reads go on from where the
 * last one stopped, and only as far as asked, so the file holds what the
 * receiver has not taken yet and the worker's memory does not grow with it.
 */
export class ProgressFile {
  /** Where the first line not yet read starts. */
  private offset = 0;
  /** Inside a line already known to be too long: what is left of it is dropped. */
  private inLongLine = false;
  /** Lines begun so far, for naming the first one skipped. */
  private lines = 0;
  private skippedLines = 0;
  private firstSkipped?: string;

  constructor(
    readonly file: string,
    private readonly now: () => Date = () => new Date(),
    /** A trainer's message or series name could carry a secret: see SecretRedactor. */
    private readonly redactor?: SecretRedactor,
  ) {}

  /** Lines skipped so far: over MAX_PROGRESS_LINE_BYTES, not a JSON object, or a point the receiver would refuse. */
  get skipped(): number {
    return this.skippedLines;
  }

  /** Which line was skipped first, and why: `line 3: step must be a finite number`. */
  get firstProblem(): string | undefined {
    return this.firstSkipped;
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
    this.lines++;
    if (line.length > MAX_PROGRESS_LINE_BYTES) {
      this.inLongLine = partial;
      return this.skip(`longer than ${MAX_PROGRESS_LINE_BYTES} bytes`);
    }
    const text = line.toString('utf8').trim();
    if (text === '') return; // a blank line says nothing, and is no error
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return this.skip('not JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return this.skip('not a JSON object');
    // `at`: the trainer's own time when it gave one, else when the line was read, so a point sent late keeps its time.
    if (this.redactor) value = this.redactor.redactDeep(value);
    const parsed = parseProgressPoint(value as Record<string, unknown>, this.now().toISOString());
    if (!('point' in parsed)) return this.skip(parsed.field ? `${parsed.field} ${parsed.problem}` : parsed.problem);
    const point = asLine(parsed.point);
    into.push({ point, bytes: Buffer.byteLength(JSON.stringify(point)) });
  }

  private skip(why: string): void {
    if (this.skippedLines++ === 0) this.firstSkipped = `line ${this.lines}: ${why}`;
  }
}

/**
 * A point as a trainer's line again, holding only what the receiver keeps of
 * one: the rest of the line (a nested list, a string) would only cost bytes,
 * or get the whole batch refused (a body nested too deep).
 */
function asLine({ values, ...named }: ProgressPoint): Record<string, unknown> {
  const line: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(named)) if (value !== null) line[key] = value;
  return { ...line, ...values };
}
