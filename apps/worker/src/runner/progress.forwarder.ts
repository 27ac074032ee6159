import { ReceiverClient, ReceiverError } from '@cis490/client';
import { MAX_PROGRESS_BATCH } from '@cis490/contract';
import { ProgressFile, ReadPoint } from './progress-file';
import type { WorkerLog } from './worker.log';

/** Points' JSON per request: with MAX_PROGRESS_LINE_BYTES lines, a full batch would pass the receiver's 1 MiB body limit. */
export const PROGRESS_BATCH_BYTES = 512 * 1024;
/**
 * Points read and not yet acknowledged. Past this the file keeps the rest
 * (stamped when read, later) while the receiver is away.
 */
export const MAX_PENDING_POINTS = 2 * MAX_PROGRESS_BATCH;

export type ProgressSink = Pick<ReceiverClient, 'postProgress'>;

export interface ProgressSource {
  jobId: string;
  workerId: string;
  tag: string;
  file: ProgressFile;
}

/**
 * Sends the trainer's progress points (SPEC §9) in batches, oldest first. The
 * receiver stores every point it is given, so a batch leaves the queue only
 * when the receiver acknowledged it; one it could not take is sent again on
 * the next pass. The receiver refuses a whole batch for one point it will not
 * store (a `step` that is no number): the batch is halved until that point
 * is alone, and only it is dropped.
 */
export class ProgressForwarder {
  private pending: ReadPoint[] = [];
  private sentPoints = 0;
  private refusedPoints = 0;
  /** Below MAX_PROGRESS_BATCH while closing in on a point the receiver refuses. */
  private batchLimit = MAX_PROGRESS_BATCH;
  private endedBy?: string;

  constructor(
    private readonly sink: ProgressSink,
    private readonly source: ProgressSource,
    private readonly log: WorkerLog,
  ) {}

  /** Points the receiver acknowledged. */
  get sent(): number {
    return this.sentPoints;
  }

  /** Points the receiver would not store, each dropped alone. */
  get refused(): number {
    return this.refusedPoints;
  }

  get ended(): boolean {
    return this.endedBy !== undefined;
  }

  /**
   * Reads new points and sends what is pending. Throws when the receiver could
   * not take a batch (unreachable, 5xx): it stays queued for the next pass.
   */
  async forward(trainerGone: boolean, signal: AbortSignal): Promise<void> {
    const { sink, source } = this;
    while (!this.endedBy) {
      const room = MAX_PENDING_POINTS - this.pending.length;
      if (room > 0) this.pending.push(...(await source.file.read(room, trainerGone)));
      if (this.pending.length === 0) return;
      const batch = this.nextBatch();
      try {
        await sink.postProgress(
          source.jobId,
          { worker_id: source.workerId, points: batch.map((p) => p.point) },
          { signal, retry: false },
        );
        this.sentPoints += batch.length;
        this.batchLimit = Math.min(MAX_PROGRESS_BATCH, this.batchLimit * 2);
      } catch (err) {
        if (!(err instanceof ReceiverError) || err.status >= 500) throw err;
        if (err.status === 400 || err.status === 413) {
          if (batch.length > 1) {
            this.batchLimit = Math.ceil(batch.length / 2);
            continue;
          }
          // This point will never do; the rest still may. Said the first time, counted at the end.
          if (this.refusedPoints++ === 0) this.log.warn(`${source.tag} progress: the receiver refused a point (${err.message}); dropped`);
          this.batchLimit = MAX_PROGRESS_BATCH;
        } else {
          // 409 (no longer this worker's job), 404, 401…: no later batch would fare better.
          this.endedBy = err.message;
          this.pending = [];
          this.log.warn(`${source.tag} progress forwarding stops after ${this.sentPoints} point(s): the receiver refused it (${err.message})`);
          return;
        }
      }
      this.pending.splice(0, batch.length);
    }
  }

  /** The oldest pending points, at most `batchLimit` of them and PROGRESS_BATCH_BYTES of JSON (one at least). */
  private nextBatch(): ReadPoint[] {
    let bytes = 0;
    let count = 0;
    for (const p of this.pending) {
      if (count >= this.batchLimit || (count > 0 && bytes + p.bytes > PROGRESS_BATCH_BYTES)) break;
      bytes += p.bytes;
      count++;
    }
    return this.pending.slice(0, count);
  }
}
