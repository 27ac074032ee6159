import { promises as fsp } from 'node:fs';
import { BundlePacker, PackResult } from '@cis490/artifacts';
import { CallOptions, ReceiverClient, ReceiverError } from '@cis490/client';
import type { ClaimResponse, FailRequest, JobView, UploadResult } from '@cis490/contract';
import type { WorkerConfig } from '../worker.config';
import { HeartbeatLoop } from './heartbeat.loop';
import { InvalidMetricsError, JobDir, prepareJobDir, readMetrics, trainerEnv } from './job-dir';
import { Shutdown } from './shutdown';
import { TrainerExit, TrainerProcess } from './trainer.process';
import { formatBytes, formatSeconds, oneLine, shortId, WorkerLog } from './worker.log';

/** How a job ended on this worker. */
export type JobOutcome =
  | 'completed'
  | 'failed'
  /** Taken away by the receiver (operator cancel, stale sweep): nothing more was reported. */
  | 'cancelled'
  /** Given back on shutdown: pending again, the attempt not counted. */
  | 'released';

/** A report made while shutting down gets this long: the receiver may be down, and systemd is waiting. */
export const FINAL_REPORT_MS = 5_000;
const STDERR_LINES_IN_ERROR = 5;

export interface JobRunnerDeps {
  client: ReceiverClient;
  config: WorkerConfig;
  log: WorkerLog;
  shutdown: Shutdown;
  packer?: BundlePacker;
  /** The trainer inherits this environment, plus the job's variables. */
  env?: NodeJS.ProcessEnv;
}

/** Why the trainer stopped being watched. */
type Stop =
  | { kind: 'exit'; exit: TrainerExit }
  | { kind: 'cancel' }
  | { kind: 'timeout' }
  | { kind: 'shutdown' };

/** Something ended the job on the way to `complete`; the runner turns it into the outcome. */
class JobEnded extends Error {
  constructor(readonly outcome: JobOutcome) {
    super(outcome);
  }
}

/**
 * Runs one claimed job to its end (SPEC §5): the job dir, the trainer, the
 * heartbeats, the timeout, then bundle → upload → complete, or fail. Never
 * throws for the receiver's sake: unreachable is waited out, a refusal is
 * logged and the job left to the receiver.
 */
export class JobRunner {
  private readonly deps: Required<JobRunnerDeps>;

  constructor(deps: JobRunnerDeps) {
    this.deps = { packer: new BundlePacker(), env: process.env, ...deps };
  }

  run(claim: ClaimResponse): Promise<JobOutcome> {
    return new JobRun(this.deps, claim).run();
  }
}

/** The state of one job on this worker, from claim to the last report. */
class JobRun {
  private readonly job: JobView;
  private readonly tag: string;
  private trainer?: TrainerProcess;
  private beats?: HeartbeatLoop;
  private startedAt = Date.now();

  constructor(
    private readonly p: Required<JobRunnerDeps>,
    private readonly claim: ClaimResponse,
  ) {
    this.job = claim.job;
    this.tag = `job ${shortId(claim.job.id)}`;
  }

  async run(): Promise<JobOutcome> {
    const { job, tag, p } = this;
    p.log.info(`${tag} ${job.model}/${job.mode} claimed (attempt ${job.attempts}/${job.max_attempts})`);
    let dir: JobDir;
    try {
      dir = await prepareJobDir(p.config.workDir, job);
    } catch (err) {
      // This host's disk, not the job: let another worker have it while attempts remain.
      return this.fail({ error: `cannot prepare the job dir: ${(err as Error).message}`, retryable: true });
    }
    if (p.shutdown.requested) return this.release();

    const trainer = TrainerProcess.start({
      argv: p.config.trainerArgv,
      jobFile: dir.jobFile,
      outDir: dir.outDir,
      cwd: dir.dir,
      env: trainerEnv(p.env, job, dir),
      logFile: dir.logFile,
    });
    this.trainer = trainer;
    this.startedAt = Date.now();
    const unforce = p.shutdown.onForce(() => trainer.kill());
    if (trainer.pid !== undefined) p.log.info(`${tag} trainer started pid ${trainer.pid}`);

    this.beats = new HeartbeatLoop(
      p.client,
      {
        jobId: job.id,
        workerId: p.config.workerId,
        intervalMs: this.claim.heartbeat_interval_s * 1000,
        tag,
        logTail: () => trainer.logTail(),
      },
      p.log,
    );
    this.beats.start();
    try {
      const stop = await this.watch(trainer);
      switch (stop.kind) {
        case 'exit':
          return await this.afterExit(stop.exit, dir);
        case 'cancel':
          await this.stopTrainer('taken away by the receiver');
          return this.cancelled();
        case 'timeout':
          await this.stopTrainer(`timeout after ${job.timeout_s} s`);
          return await this.fail({ error: `timeout after ${job.timeout_s} s`, retryable: false });
        case 'shutdown':
          await this.stopTrainer('worker shutdown');
          return await this.release();
      }
    } catch (err) {
      if (err instanceof JobEnded) return err.outcome;
      throw err;
    } finally {
      this.beats.stop();
      unforce();
    }
  }

  /** Waits for whichever comes first: the trainer's exit, a cancel, the timeout, a shutdown. */
  private async watch(trainer: TrainerProcess): Promise<Stop> {
    const done = new AbortController();
    const when = (signal: AbortSignal, stop: Stop) =>
      new Promise<Stop>((resolve) => {
        if (signal.aborted) resolve(stop);
        signal.addEventListener('abort', () => resolve(stop), { once: true, signal: done.signal });
      });
    const races: Promise<Stop>[] = [
      trainer.exited.then((exit) => ({ kind: 'exit', exit })),
      when(this.beats!.cancelSignal, { kind: 'cancel' }),
      when(this.p.shutdown.signal, { kind: 'shutdown' }),
    ];
    if (this.job.timeout_s > 0) {
      races.push(when(AbortSignal.timeout(this.job.timeout_s * 1000), { kind: 'timeout' }));
    }
    try {
      return await Promise.race(races);
    } finally {
      done.abort();
    }
  }

  private async stopTrainer(why: string): Promise<void> {
    const trainer = this.trainer!;
    this.p.log.info(`${this.tag} ${why}: stopping the trainer (pid ${trainer.pid}, grace ${this.p.config.killGraceS} s)`);
    const exit = await trainer.terminate(this.p.config.killGraceS * 1000);
    this.p.log.info(`${this.tag} trainer stopped (${describeExit(exit)})`);
  }

  private async afterExit(exit: TrainerExit, dir: JobDir): Promise<JobOutcome> {
    const { tag, p } = this;
    const took = formatSeconds(Date.now() - this.startedAt);
    if (exit.spawnError) {
      return this.fail({ error: `cannot start the trainer: ${exit.spawnError.message}`, retryable: true });
    }
    if (exit.code !== 0) {
      p.log.info(`${tag} trainer ${describeExit(exit)} after ${took}`);
      const lines = this.trainer!.stderrLines(STDERR_LINES_IN_ERROR);
      const error = `${exit.code !== null ? `exit ${exit.code}` : `killed by ${exit.signal}`}${lines.length ? `: ${lines.join('\n')}` : ''}`;
      return this.fail({ error, retryable: false, ...(exit.code !== null ? { exit_code: exit.code } : {}) });
    }
    p.log.info(`${tag} trainer exited 0 after ${took}`);

    let metrics: Record<string, unknown> | undefined;
    let packed: PackResult;
    try {
      metrics = await readMetrics(dir.outDir);
      packed = await p.packer.pack(dir.outDir, dir.bundle);
    } catch (err) {
      const error = err instanceof InvalidMetricsError ? err.message : `cannot pack out/: ${(err as Error).message}`;
      return this.fail({ error, retryable: false });
    }
    if (p.shutdown.requested) return this.release();

    const uploaded = await this.upload(dir, packed);
    await this.complete(packed, metrics);
    p.log.info(
      `${tag} completed in ${formatSeconds(Date.now() - this.startedAt)}, bundle ${formatBytes(packed.size)} sha256 ${packed.sha256}` +
        (uploaded.deduplicated ? ' (deduplicated)' : ''),
    );
    // Done and stored on the receiver: the local copy has served its purpose.
    await fsp.rm(dir.dir, { recursive: true, force: true }).catch(() => undefined);
    return 'completed';
  }

  /** Streams the bundle up, retrying until the receiver takes it; a shutdown or cancel ends the job instead. */
  private async upload(dir: JobDir, packed: PackResult): Promise<UploadResult> {
    const { p } = this;
    const signal = AbortSignal.any([p.shutdown.signal, this.beats!.cancelSignal]);
    try {
      return await p.client.upload(this.job.id, dir.bundle, { workerId: p.config.workerId, sha256: packed.sha256 }, { signal });
    } catch (err) {
      if (this.beats!.cancelSignal.aborted) throw new JobEnded(this.cancelled());
      if (p.shutdown.requested) throw new JobEnded(await this.release());
      if (err instanceof ReceiverError && err.status === 409) throw new JobEnded(this.takenAway(err));
      throw new JobEnded(await this.fail({ error: `bundle upload refused: ${err instanceof Error ? err.message : String(err)}`, retryable: false }));
    }
  }

  /** After a shutdown, `complete` still gets the kill grace period: the work is done, only the word is missing. */
  private async complete(packed: PackResult, metrics?: Record<string, unknown>): Promise<void> {
    const { p } = this;
    // A beat that lands just after the complete would be answered 409 and abort this call's
    // answer: the beats end here, and a job taken away meanwhile shows as a 409 on complete.
    this.beats!.stop();
    const grace = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const onShutdown = () => {
      timer = setTimeout(() => grace.abort(new Error('no time left to complete')), p.config.killGraceS * 1000);
    };
    if (p.shutdown.requested) onShutdown();
    else p.shutdown.signal.addEventListener('abort', onShutdown, { once: true });
    try {
      await p.client.complete(
        this.job.id,
        { worker_id: p.config.workerId, artifact_sha256: packed.sha256, ...(metrics ? { metrics } : {}) },
        { signal: grace.signal },
      );
    } catch (err) {
      if (grace.signal.aborted) throw new JobEnded(await this.release());
      if (err instanceof ReceiverError && err.status === 409) throw new JobEnded(this.takenAway(err));
      throw new JobEnded(await this.fail({ error: `complete refused: ${err instanceof Error ? err.message : String(err)}`, retryable: false }));
    } finally {
      clearTimeout(timer);
      p.shutdown.signal.removeEventListener('abort', onShutdown);
    }
  }

  /** Reports the failure, waiting out an unreachable receiver (until a shutdown, then one short try). */
  private async fail(report: Omit<FailRequest, 'worker_id' | 'log_tail'>): Promise<JobOutcome> {
    const { tag, p } = this;
    this.beats?.stop();
    p.log.info(`${tag} failed: ${oneLine(report.error)}`);
    const body: FailRequest = { worker_id: p.config.workerId, ...report, ...this.logTail() };
    try {
      await this.deliver((call) => p.client.fail(this.job.id, body, call));
    } catch (err) {
      this.reportLost('fail', err);
    }
    return 'failed';
  }

  /** Gives the job back on shutdown: pending at once, the attempt not counted. */
  private async release(): Promise<JobOutcome> {
    const { tag, p } = this;
    this.beats?.stop();
    const body: FailRequest = { worker_id: p.config.workerId, error: 'worker shutdown', release: true, ...this.logTail() };
    try {
      await p.client.fail(this.job.id, body, { signal: AbortSignal.timeout(FINAL_REPORT_MS), retry: false });
      p.log.info(`${tag} released (worker shutdown): pending again`);
    } catch (err) {
      this.reportLost('release', err);
    }
    return 'released';
  }

  private cancelled(): JobOutcome {
    this.p.log.info(`${this.tag} taken away by the receiver (now ${this.beats?.cancelledStatus ?? 'not ours'}); nothing more reported`);
    return 'cancelled';
  }

  private takenAway(err: ReceiverError): JobOutcome {
    this.p.log.warn(`${this.tag} no longer this worker's (${err.message}); nothing more reported`);
    return 'cancelled';
  }

  private reportLost(what: string, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    const hint = what === 'release' ? '; the stale sweep will requeue it' : '';
    this.p.log.warn(`${this.tag} could not report ${what}: ${message}${hint}`);
  }

  private logTail(): { log_tail?: string } {
    const tail = this.trainer?.logTail();
    return tail ? { log_tail: tail } : {};
  }

  /** Waits out an unreachable receiver; once a shutdown is under way, one last short try. */
  private async deliver<T>(send: (call: CallOptions) => Promise<T>): Promise<T> {
    if (!this.p.shutdown.requested) {
      try {
        return await send({ signal: this.p.shutdown.signal });
      } catch (err) {
        if (!this.p.shutdown.requested) throw err;
      }
    }
    return send({ signal: AbortSignal.timeout(FINAL_REPORT_MS), retry: false });
  }
}

function describeExit(exit: TrainerExit): string {
  if (exit.spawnError) return `not started: ${exit.spawnError.message}`;
  return exit.code !== null ? `exited ${exit.code}` : `killed by ${exit.signal}`;
}
