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
  /** Where the points come from: progress.jsonl. */
  file: Pick<ProgressFile, 'read'>;
}

/**
 * Sends the trainer's progress points (SPEC §9) in batches, oldest first. A
 * batch leaves the queue once the receiver acknowledged it; one it could not
 * take (unreachable, 5xx) is sent again on the next pass, and the receiver
 * skips what it already stored of it (the answer was lost). Points were read
 * by the receiver's own rule, so a batch it refuses all the same (400, 413) is
 * dropped and counted rather than sent forever.
 */
export class ProgressForwarder {
  private pending: ReadPoint[] = [];
  private sentPoints = 0;
  private refusedPoints = 0;
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

  /** Points dropped in batches the receiver refused. */
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
      } catch (err) {
        if (!(err instanceof ReceiverError) || err.status >= 500) throw err;
        if (err.status !== 400 && err.status !== 413) {
          // 409 (no longer this worker's job), 404, 401…: no later batch would fare better.
          this.endedBy = err.message;
          this.pending = [];
          this.log.warn(`${source.tag} progress forwarding stops after ${this.sentPoints} point(s): the receiver refused it (${err.message})`);
          return;
        }
        // This batch will never do; later ones still may. Said the first time, counted at the end.
        if (this.refusedPoints === 0) this.log.warn(`${source.tag} progress: the receiver refused ${batch.length} point(s) (${err.message}); dropped`);
        this.refusedPoints += batch.length;
      }
      this.pending.splice(0, batch.length);
    }
  }

  /** The oldest pending points, at most MAX_PROGRESS_BATCH of them and PROGRESS_BATCH_BYTES of JSON (one at least). */
  private nextBatch(): ReadPoint[] {
    let bytes = 0;
    let count = 0;
    for (const p of this.pending) {
      if (count >= MAX_PROGRESS_BATCH || (count > 0 && bytes + p.bytes > PROGRESS_BATCH_BYTES)) break;
      bytes += p.bytes;
      count++;
    }
    return this.pending.slice(0, count);
  }
}
