import { Inject, Injectable } from '@nestjs/common';
import { createReadStream, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { AsyncMutex } from '@cis490/db';
import { JOBS_OPTIONS, type JobsOptions } from './jobs.options';

/** What an append did to the file. */
export interface LogAppend {
  /** Bytes in the log now. */
  size: number;
  /** Bytes of this append that were new (not a resend), before the cap. */
  written: number;
  /** The log reached its cap, now or earlier; later text is dropped. */
  truncated: boolean;
}

/** The line a capped log ends with; its bytes are kept free under the cap for it. */
export const truncationLine = (maxBytes: number) =>
  `\n[cis490] log truncated: it reached CIS490_MAX_LOG_BYTES (${maxBytes} bytes); later output was dropped\n`;

/**
 * Trainer logs as files, `<logsDir>/<job id>/<attempt>.log`: the file is the
 * truth about a log's bytes and size. Appends to one log run one at a time
 * and are on disk (fdatasync) before they are acknowledged, so a receiver
 * that dies right after an answer still has every byte it answered for.
 */
@Injectable()
export class LogStore {
  private readonly locks = new Map<string, { mutex: AsyncMutex; users: number }>();

  constructor(@Inject(JOBS_OPTIONS) private readonly options: JobsOptions) {}

  path(jobId: string, attempt: number): string {
    return join(this.options.logsDir, jobId, `${attempt}.log`);
  }

  async size(jobId: string, attempt: number): Promise<number> {
    try {
      return (await fsp.stat(this.path(jobId, attempt))).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
  }

  /**
   * Writes what of `bytes` (which begin at byte `offset` of the log) the file
   * does not have yet. The cap is applied here, cutting on a character
   * boundary and adding the one line that says so. Answers `written: -1`
   * when `offset` is past the end: a gap the caller must not fill.
   */
  append(jobId: string, attempt: number, offset: number, bytes: Buffer): Promise<LogAppend> {
    return this.locked(`${jobId}/${attempt}`, async () => {
      const size = await this.size(jobId, attempt);
      const marker = Buffer.from(truncationLine(this.options.maxLogBytes));
      // Only the closing line ever takes a log past this, so the file itself says whether it was capped.
      if (size > this.options.maxLogBytes - marker.length) return { size, written: 0, truncated: true };
      if (offset > size) return { size, written: -1, truncated: false };
      const fresh = bytes.subarray(size - offset);
      if (fresh.length === 0) return { size, written: 0, truncated: false };
      const room = this.options.maxLogBytes - marker.length - size;
      const cut = fresh.length > room;
      const chunk = cut ? Buffer.concat([fresh.subarray(0, charBoundary(fresh, Math.max(0, room))), marker]) : fresh;
      await this.write(jobId, attempt, chunk);
      return { size: size + chunk.length, written: chunk.length, truncated: cut };
    });
  }

  /** The log from byte `offset`; empty when there is no file (an attempt that printed nothing). */
  async read(jobId: string, attempt: number, offset: number, end?: number): Promise<Readable | null> {
    const size = await this.size(jobId, attempt);
    const last = Math.min(size, end ?? size);
    if (offset >= last) return null;
    return createReadStream(this.path(jobId, attempt), { start: offset, end: last - 1 });
  }

  private async write(jobId: string, attempt: number, chunk: Buffer): Promise<void> {
    await fsp.mkdir(join(this.options.logsDir, jobId), { recursive: true });
    const file = await fsp.open(this.path(jobId, attempt), 'a');
    try {
      await file.write(chunk);
      await file.datasync();
    } finally {
      await file.close();
    }
  }

  private async locked<T>(key: string, section: () => Promise<T>): Promise<T> {
    let lock = this.locks.get(key);
    if (!lock) this.locks.set(key, (lock = { mutex: new AsyncMutex(), users: 0 }));
    lock.users++;
    try {
      return await lock.mutex.run(section);
    } finally {
      if (--lock.users === 0) this.locks.delete(key);
    }
  }
}

/** The largest length ≤ `limit` that does not end inside a UTF-8 character. */
function charBoundary(bytes: Buffer, limit: number): number {
  let end = Math.min(limit, bytes.length);
  // Step back over continuation bytes (10xxxxxx) to the start of a character.
  while (end > 0 && end < bytes.length && (bytes[end] & 0xc0) === 0x80) end--;
  return end;
}
