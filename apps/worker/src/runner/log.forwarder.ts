import { promises as fsp } from 'node:fs';
import { ReceiverClient, ReceiverError } from '@cis490/client';
import type { WorkerLog } from './worker.log';

/**
 * Text per append. JSON escapes a control character in 6 bytes, so even a log
 * of nothing else stays far under the receiver's 1 MiB body limit.
 */
export const LOG_CHUNK_BYTES = 128 * 1024;

export type LogSink = Pick<ReceiverClient, 'appendLog'>;

export interface LogSource {
  jobId: string;
  workerId: string;
  /** trainer.log: UTF-8 text, growing while the trainer runs. */
  file: string;
  /** The label the worker's log uses for the job. */
  tag: string;
}

/**
 * Forwards trainer.log to the receiver as the current attempt's log (SPEC §9).
 * The file is the buffer: the trainer writes to it whatever the receiver does,
 * and each pass sends from the offset the receiver last acknowledged, in
 * chunks cut at character boundaries. Only an answer moves that offset, so a
 * receiver that lost the last append (a restart) gets it again, and one that
 * had it skips it.
 */
export class LogForwarder {
  private acked = 0;
  private endedBy?: string;

  constructor(
    private readonly sink: LogSink,
    private readonly source: LogSource,
    private readonly log: WorkerLog,
  ) {}

  /** Bytes the receiver has acknowledged. */
  get offset(): number {
    return this.acked;
  }

  /** Nothing more is sent: the receiver keeps no more of the log, or the job is no longer this worker's. */
  get ended(): boolean {
    return this.endedBy !== undefined;
  }

  /**
   * Sends what the file holds past the acknowledged offset. Throws when the
   * receiver could not take it (unreachable, 5xx): the next pass tries again.
   */
  async forward(signal: AbortSignal): Promise<void> {
    const { sink, source } = this;
    while (!this.endedBy) {
      const chunk = wholeCharacters(await readAt(source.file, this.acked, LOG_CHUNK_BYTES));
      if (chunk.length === 0) return;
      const offset = this.acked;
      let answer;
      try {
        answer = await sink.appendLog(
          source.jobId,
          { worker_id: source.workerId, offset, text: chunk.toString('utf8') },
          { signal, retry: false },
        );
      } catch (err) {
        // A 4xx stays what it is (a 409 without a size: the job is no longer ours).
        if (err instanceof ReceiverError && err.status < 500) return this.end(`the receiver refused it (${err.message})`);
        throw err;
      }
      if (answer.truncated) {
        this.acked = answer.size;
        return this.end('the receiver keeps no more of it');
      }
      // A conflict rewinds to what the receiver holds; an answer that moved nothing waits for the next pass.
      if (answer.size === offset) return;
      this.acked = answer.size;
    }
  }

  private end(why: string): void {
    this.endedBy = why;
    this.log.warn(`${this.source.tag} log forwarding stops at ${this.acked} bytes: ${why}`);
  }
}

/** Up to `max` bytes of `file` from `position`; nothing when the file is not there yet. */
export async function readAt(file: string, position: number, max: number): Promise<Buffer> {
  let handle;
  try {
    handle = await fsp.open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
    throw err;
  }
  try {
    const buffer = Buffer.alloc(max);
    const { bytesRead } = await handle.read(buffer, 0, max, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * `bytes` less an incomplete UTF-8 sequence at its end (a character being
 * written, or cut by the chunk size): the receiver counts offsets in bytes of
 * the text it gets, and a half character would come back as U+FFFD.
 */
export function wholeCharacters(bytes: Buffer): Buffer {
  let lead = bytes.length - 1;
  // Back over at most three continuation bytes (10xxxxxx) to the sequence's first byte.
  while (lead >= 0 && bytes.length - lead <= 3 && (bytes[lead] & 0xc0) === 0x80) lead--;
  if (lead < 0) return bytes;
  const b = bytes[lead];
  const length = b < 0xc0 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
  return lead + length > bytes.length ? bytes.subarray(0, lead) : bytes;
}
