import { setTimeout as sleep } from 'node:timers/promises';
import { ReceiverClient } from '@cis490/client';
import type { JobStatus } from '@cis490/contract';
import { WorkerLog } from './worker.log';

export interface HeartbeatTarget {
  jobId: string;
  workerId: string;
  intervalMs: number;
  /** The label the log uses for the job. */
  tag: string;
  /** Read at each beat: the trainer's latest output. */
  logTail: () => string;
}

/**
 * Heartbeats for one job: the first at once, then every interval (measured
 * from the start of the previous beat). Each beat is one try: a lost beat is
 * retried by the next tick, and the receiver's stale window is several ticks
 * wide. A 409 (`cancel: true`) ends the loop and fires `cancelSignal`.
 */
export class HeartbeatLoop {
  private readonly stopper = new AbortController();
  private readonly canceller = new AbortController();
  private cancelledAs?: JobStatus;

  constructor(
    private readonly client: ReceiverClient,
    private readonly target: HeartbeatTarget,
    private readonly log: WorkerLog,
  ) {}

  /** Aborts when the receiver says the job is no longer this worker's. */
  get cancelSignal(): AbortSignal {
    return this.canceller.signal;
  }

  /** The job's status when it was taken away (cancelled, pending after a sweep…). */
  get cancelledStatus(): JobStatus | undefined {
    return this.cancelledAs;
  }

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.stopper.abort();
  }

  private async loop(): Promise<void> {
    const { client, target, log } = this;
    const signal = this.stopper.signal;
    let failing = false;
    while (!signal.aborted) {
      const began = Date.now();
      try {
        const tail = target.logTail();
        const answer = await client.heartbeat(
          target.jobId,
          { worker_id: target.workerId, ...(tail ? { log_tail: tail } : {}) },
          { signal, retry: false },
        );
        if (failing) log.info(`${target.tag} heartbeats reach the receiver again`);
        failing = false;
        if (answer.cancel) {
          this.cancelledAs = answer.status;
          this.canceller.abort(new Error(`job taken away (now ${answer.status})`));
          return;
        }
      } catch (err) {
        if (signal.aborted) return;
        // Said once per outage, not once per beat.
        if (!failing) log.warn(`${target.tag} heartbeat failed: ${(err as Error).message}; trying again every beat`);
        failing = true;
      }
      try {
        await sleep(Math.max(0, began + target.intervalMs - Date.now()), undefined, { signal });
      } catch {
        return;
      }
    }
  }
}
