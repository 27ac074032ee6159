import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, ReceiverClient } from '@cis490/client';
import { FORWARD_INTERVAL_MS } from '@cis490/contract';
import { LogForwarder } from './log.forwarder';
import { ProgressFile } from './progress-file';
import { ProgressForwarder } from './progress.forwarder';
import type { SecretRedactor } from './secret-redactor';
import { formatBytes, oneLine, WorkerLog } from './worker.log';

export type ForwardingClient = Pick<ReceiverClient, 'appendLog' | 'postProgress'>;

export interface ForwardingTarget {
  jobId: string;
  workerId: string;
  /** The label the worker's log uses for the job. */
  tag: string;
  /** trainer.log, as the trainer process writes it. */
  logFile: string;
  /** progress.jsonl, as the trainer appends to it. */
  progressFile: string;
  /** Applied to every progress point (trainer.log is redacted as it is written). */
  redactor?: SecretRedactor;
}

export interface FinishOptions {
  /** How long the last of the log and progress may wait for an unreachable receiver. */
  patienceMs: number;
  /** Once this aborts (a shutdown), no more than `hurryMs` from then. */
  hurry?: AbortSignal;
  hurryMs?: number;
}

/** Between tries of the last pass: the receiver is restarting, or busy. */
const FINAL_RETRY = { baseMs: 250, maxMs: 4_000 };

/**
 * A running job's log and progress on their way to the receiver (SPEC §9): a
 * pass every FORWARD_INTERVAL_MS while the trainer runs, then a last one once
 * it is gone. A receiver that is down or slow costs the trainer nothing: the
 * files on disk hold what it has not taken, and each pass starts from what it
 * acknowledged.
 */
export class ForwardingLoop {
  private readonly logs: LogForwarder;
  private readonly progressFile: ProgressFile;
  private readonly progress: ProgressForwarder;
  /** Ends the wait between passes. */
  private readonly pauses = new AbortController();
  /** Aborts the requests in flight: the job was taken away, or the last pass ran out of time. */
  private readonly requests = new AbortController();
  private looping: Promise<void> = Promise.resolve();
  private failing = false;
  private done = false;

  constructor(
    client: ForwardingClient,
    private readonly target: ForwardingTarget,
    private readonly log: WorkerLog,
    private readonly intervalMs = FORWARD_INTERVAL_MS,
  ) {
    const { jobId, workerId, tag } = target;
    this.logs = new LogForwarder(client, { jobId, workerId, tag, file: target.logFile }, log);
    this.progressFile = new ProgressFile(target.progressFile, undefined, target.redactor);
    this.progress = new ProgressForwarder(client, { jobId, workerId, tag, file: this.progressFile }, log);
  }

  start(): void {
    this.looping = this.loop();
  }

  /** The job was taken away: nothing more is sent. */
  stop(): void {
    if (this.done) return;
    this.done = true;
    this.pauses.abort();
    this.requests.abort();
    this.reportSkipped();
  }

  /**
   * The trainer is gone: sends the rest of its log and progress, waiting out
   * an unreachable receiver for up to `patienceMs`. Never throws.
   */
  async finish({ patienceMs, hurry, hurryMs = patienceMs }: FinishOptions): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.pauses.abort();
    let deadline = Date.now() + patienceMs;
    let timer = setTimeout(() => this.requests.abort(), patienceMs);
    const onHurry = () => {
      if (Date.now() + hurryMs >= deadline) return;
      deadline = Date.now() + hurryMs;
      clearTimeout(timer);
      timer = setTimeout(() => this.requests.abort(), hurryMs);
    };
    if (hurry?.aborted) onHurry();
    else hurry?.addEventListener('abort', onHurry, { once: true });
    try {
      // A pass in flight ends first: its answers decide where the last one starts.
      await this.looping;
      let caughtUp = false;
      for (let attempt = 1; !this.requests.signal.aborted; attempt++) {
        caughtUp = await this.pass(true);
        if (caughtUp) break;
        const wait = backoffDelay(attempt, FINAL_RETRY);
        if (Date.now() + wait >= deadline) break;
        await sleep(wait, undefined, { signal: this.requests.signal }).catch(() => undefined);
      }
      const forwarded = `log ${formatBytes(this.logs.offset)}, ${this.progress.sent} progress point(s)`;
      if (caughtUp) this.log.info(`${this.target.tag} forwarded ${forwarded}`);
      else this.log.warn(`${this.target.tag} forwarded only ${forwarded}; the rest stays in ${this.target.logFile} and ${this.target.progressFile}`);
      this.reportSkipped();
    } finally {
      clearTimeout(timer);
      hurry?.removeEventListener('abort', onHurry);
    }
  }

  private async loop(): Promise<void> {
    const signal = this.pauses.signal;
    while (!signal.aborted) {
      const began = Date.now();
      try {
        await sleep(Math.max(0, began + this.intervalMs - Date.now()), undefined, { signal });
      } catch {
        return;
      }
      await this.pass(false);
    }
  }

  /** Both forwarders at once; true when both are caught up (or have stopped for good). */
  private async pass(trainerGone: boolean): Promise<boolean> {
    const signal = this.requests.signal;
    const results = await Promise.allSettled([this.logs.forward(signal), this.progress.forward(trainerGone, signal)]);
    const trouble = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (trouble) {
      if (signal.aborted) return false;
      // Said once per outage, not once per pass; the next pass tries again.
      if (!this.failing) {
        const message = trouble.reason instanceof Error ? trouble.reason.message : String(trouble.reason);
        this.log.warn(`${this.target.tag} forwarding the log and progress failed: ${oneLine(message)}; trying again every ${this.intervalMs / 1000} s`);
      }
      this.failing = true;
      return false;
    }
    if (this.failing) this.log.info(`${this.target.tag} forwarding the log and progress again`);
    this.failing = false;
    return true;
  }

  private reportSkipped(): void {
    const { skipped, firstProblem } = this.progressFile;
    const { refused } = this.progress;
    if (skipped > 0) {
      this.log.warn(`${this.target.tag} progress: skipped ${skipped} line(s) of ${this.target.progressFile} that are not progress points (the first, ${firstProblem})`);
    }
    if (refused > 0) this.log.warn(`${this.target.tag} progress: the receiver refused ${refused} point(s)`);
  }
}
