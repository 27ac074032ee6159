import { Injectable } from '@nestjs/common';
import { promises as fsp } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { BundlePacker, type DroppedLink, PackResult, unpackBundle } from '@cis490/artifacts';
import { CallOptions, ReceiverClient, ReceiverError } from '@cis490/client';
import type { ClaimResponse, FailRequest, JobInput, JobView, UploadResult } from '@cis490/contract';
import type { WorkerConfig } from '../worker.config';
import { ForwardingLoop } from './forwarding.loop';
import { HeartbeatLoop } from './heartbeat.loop';
import { inputDirOf, InvalidMetricsError, JobDir, prepareJobDir, readMetrics, trainerEnv } from './job-dir';
import { SecretRedactor } from './secret-redactor';
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
/** How long the last of a job's log and progress may wait for an unreachable receiver before the job is reported. */
export const FINAL_FORWARD_MS = 30_000;
const STDERR_LINES_IN_ERROR = 5;

/** Why the trainer stopped being watched. */
type Stop =
  | { kind: 'exit'; exit: TrainerExit }
  | { kind: 'cancel' }
  | { kind: 'timeout' }
  | { kind: 'shutdown' };

/** The receiver took the bundle, or something ended the job first (cancel, shutdown, refusal). */
type Upload = { uploaded: UploadResult } | { ended: JobOutcome };

/**
 * Runs one claimed job to its end (SPEC §5): the job dir, the trainer, the
 * heartbeats, the timeout, then bundle → upload → complete, or fail. Never
 * throws for the receiver's sake: unreachable is waited out, a refusal is
 * logged and the job left to the receiver.
 */
@Injectable()
export class JobRunner {
  constructor(
    private readonly packer: BundlePacker,
    private readonly log: WorkerLog,
  ) {}

  /** `client`, `config` and `shutdown` are those of the `run` under way, the same for each of its jobs. */
  run(claim: ClaimResponse, client: ReceiverClient, config: WorkerConfig, shutdown: Shutdown): Promise<JobOutcome> {
    return new JobRun(claim, client, config, shutdown, this.packer, this.log).run();
  }
}

/** The state of one job on this worker, from claim to the last report. */
class JobRun {
  private readonly job: JobView;
  /** The completed jobs this one runs after (an older receiver sends none). */
  private readonly inputs: JobInput[];
  /** The GPU indices the receiver gave the job; undefined from a receiver that gives none. */
  private readonly gpus?: number[];
  private readonly tag: string;
  private readonly beats: HeartbeatLoop;
  /** Set once the trainer is started; a job can fail before (its dir could not be made). */
  private trainer?: TrainerProcess;
  /** The trainer's log and progress on their way to the receiver; set with the trainer. */
  private forwarding?: ForwardingLoop;
  private startedAt = Date.now();
  /** Whatever of the trainer's reaches the receiver passes through it. */
  private readonly redactor: SecretRedactor;

  constructor(
    claim: ClaimResponse,
    private readonly client: ReceiverClient,
    private readonly config: WorkerConfig,
    private readonly shutdown: Shutdown,
    private readonly packer: BundlePacker,
    private readonly log: WorkerLog,
  ) {
    this.job = claim.job;
    this.redactor = SecretRedactor.forWorker(config.workerToken, process.env);
    this.inputs = claim.inputs ?? [];
    this.gpus = claim.gpus;
    this.tag = `job ${shortId(claim.job.id)}`;
    this.beats = new HeartbeatLoop(
      client,
      {
        jobId: claim.job.id,
        workerId: config.workerId,
        intervalMs: claim.heartbeat_interval_s * 1000,
        tag: this.tag,
        logTail: () => this.trainer?.logTail() ?? '',
      },
      log,
    );
  }

  async run(): Promise<JobOutcome> {
    const { job, tag, log, shutdown } = this;
    const on = this.gpus?.length ? ` on GPU ${this.gpus.join(',')}` : '';
    log.info(`${tag} ${job.model}/${job.mode} claimed (attempt ${job.attempts}/${job.max_attempts})${on}`);
    let dir: JobDir;
    try {
      dir = await prepareJobDir(this.config.workDir, job, this.inputs);
    } catch (err) {
      // This host's disk, not the job: let another worker have it while attempts remain.
      return this.fail({ error: `cannot prepare the job dir: ${(err as Error).message}`, retryable: true });
    }
    if (shutdown.requested) return this.release();
    // Beating from here: fetching inputs is part of the attempt, and a cancel stops it too.
    this.beats.start();
    const fetched = await this.fetchInputs(dir);
    if (fetched) return fetched;

    const trainer = TrainerProcess.start({
      argv: this.config.trainerArgv,
      jobFile: dir.jobFile,
      outDir: dir.outDir,
      cwd: dir.dir,
      env: trainerEnv(process.env, job, dir, this.gpus),
      logFile: dir.logFile,
      redactor: this.redactor,
    });
    this.trainer = trainer;
    this.startedAt = Date.now();
    const unforce = shutdown.onForce(() => trainer.kill());
    if (trainer.pid !== undefined) log.info(`${tag} trainer started pid ${trainer.pid}`);

    this.forwarding = new ForwardingLoop(
      this.client,
      { jobId: job.id, workerId: this.config.workerId, tag, logFile: dir.logFile, progressFile: dir.progressFile, redactor: this.redactor },
      log,
    );
    this.forwarding.start();
    try {
      const stop = await this.watch(trainer);
      switch (stop.kind) {
        case 'exit':
          return await this.afterExit(trainer, stop.exit, dir);
        case 'cancel':
          await this.stopTrainer(trainer, 'taken away by the receiver');
          return this.cancelled();
        case 'timeout':
          await this.stopTrainer(trainer, `timeout after ${job.timeout_s} s`);
          return await this.fail({ error: `timeout after ${job.timeout_s} s`, retryable: false });
        case 'shutdown':
          await this.stopTrainer(trainer, 'worker shutdown');
          return await this.release();
      }
    } finally {
      this.beats.stop();
      this.forwarding.stop();
      unforce();
    }
  }

  /**
   * Downloads the bundle of each job this one runs after, checks it against
   * its SHA-256 and unpacks it into `inputs/<job id>/` (SPEC §10). Answers
   * how the job ended when it could not: a bundle that cannot be fetched is
   * this attempt's failure, retried elsewhere while attempts remain.
   */
  private async fetchInputs(dir: JobDir): Promise<JobOutcome | null> {
    const signal = AbortSignal.any([this.shutdown.signal, this.beats.cancelSignal]);
    for (const input of this.inputs) {
      const what = `input ${input.name ?? input.model} (job ${shortId(input.job_id)}, bundle ${input.artifact_sha256.slice(0, 12)})`;
      try {
        const download = await this.client.downloadModel(input.artifact_sha256, { signal });
        await unpackBundle(download.body, inputDirOf(dir, input), input.artifact_sha256);
        this.log.info(`${this.tag} ${what} unpacked`);
      } catch (err) {
        if (this.shutdown.requested) return this.release();
        if (this.beats.cancelSignal.aborted) return this.cancelled();
        return this.fail({ error: `cannot fetch ${what}: ${oneLine((err as Error).message)}`, retryable: true });
      }
    }
    return null;
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
      when(this.beats.cancelSignal, { kind: 'cancel' }),
      when(this.shutdown.signal, { kind: 'shutdown' }),
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

  private async stopTrainer(trainer: TrainerProcess, why: string): Promise<void> {
    const { killGraceS } = this.config;
    this.log.info(`${this.tag} ${why}: stopping the trainer (pid ${trainer.pid}, grace ${killGraceS} s)`);
    const exit = await trainer.terminate(killGraceS * 1000);
    this.log.info(`${this.tag} trainer stopped (${describeExit(exit)})`);
  }

  private async afterExit(trainer: TrainerProcess, exit: TrainerExit, dir: JobDir): Promise<JobOutcome> {
    const { tag, log } = this;
    const took = formatSeconds(Date.now() - this.startedAt);
    if (exit.spawnError) {
      return this.fail({ error: `cannot start the trainer: ${exit.spawnError.message}`, retryable: true });
    }
    if (exit.code !== 0) {
      log.info(`${tag} trainer ${describeExit(exit)} after ${took}`);
      const lines = trainer.stderrLines(STDERR_LINES_IN_ERROR);
      const error = `${exit.code !== null ? `exit ${exit.code}` : `killed by ${exit.signal}`}${lines.length ? `: ${lines.join('\n')}` : ''}`;
      // The receiver decides retries by the job's retry_on_exit_codes (SPEC §10).
      return this.fail({ error, retryable: false, exit_code: exitCodeOf(exit) });
    }
    log.info(`${tag} trainer exited 0 after ${took}`);

    let metrics: Record<string, unknown> | undefined;
    let packed: PackResult;
    try {
      metrics = await readMetrics(dir.outDir);
      const { droppedLinks, ...bundle } = await this.packer.pack(dir.outDir, dir.bundle);
      packed = bundle;
      await this.noteDroppedLinks(dir, droppedLinks);
    } catch (err) {
      const error = err instanceof InvalidMetricsError ? err.message : `cannot pack out/: ${(err as Error).message}`;
      return this.fail({ error, retryable: false });
    }
    if (this.shutdown.requested) return this.release();

    const upload = await this.upload(dir, packed);
    if ('ended' in upload) return upload.ended;
    const completion = await this.complete(packed, metrics);
    if (completion !== 'completed') return completion;
    log.info(
      `${tag} completed in ${formatSeconds(Date.now() - this.startedAt)}, bundle ${formatBytes(packed.size)} sha256 ${packed.sha256}` +
        (upload.uploaded.deduplicated ? ' (deduplicated)' : ''),
    );
    // Done and stored on the receiver: the local copy has served its purpose.
    await fsp.rm(dir.dir, { recursive: true, force: true }).catch(() => undefined);
    return 'completed';
  }

  /**
   * Says in the job's log (trainer.log, forwarded like the trainer's own
   * lines; the trainer has exited, so nothing else writes it now) which
   * symlinks of out/ the bundle left out, and why.
   */
  private async noteDroppedLinks(dir: JobDir, dropped: readonly DroppedLink[]): Promise<void> {
    if (dropped.length === 0) return;
    const lines = dropped.map(
      ({ name, target }) => `cis490-worker: left out/${name} -> ${target} out of the bundle: the link leads outside out/\n`,
    );
    this.log.warn(`${this.tag} ${dropped.length} symlink(s) leading outside out/ left out of the bundle (see the job's log)`);
    await fsp.appendFile(dir.logFile, lines.join(''));
  }

  /** Streams the bundle up, retrying until the receiver takes it; a shutdown or cancel ends the job instead. */
  private async upload(dir: JobDir, packed: PackResult): Promise<Upload> {
    const { beats, shutdown } = this;
    const signal = AbortSignal.any([shutdown.signal, beats.cancelSignal]);
    try {
      const uploaded = await this.client.upload(this.job.id, dir.bundle, { workerId: this.config.workerId, sha256: packed.sha256 }, { signal });
      return { uploaded };
    } catch (err) {
      if (beats.cancelSignal.aborted) return { ended: this.cancelled() };
      if (shutdown.requested) return { ended: await this.release() };
      if (err instanceof ReceiverError && err.status === 409) return { ended: this.takenAway(err) };
      return { ended: await this.fail({ error: `bundle upload refused: ${err instanceof Error ? err.message : String(err)}`, retryable: false }) };
    }
  }

  /**
   * 'completed' once the receiver has the word; otherwise how the job ended.
   * After a shutdown, `complete` still gets the kill grace period: the work is done, only the word is missing.
   */
  private async complete(packed: PackResult, metrics?: Record<string, unknown>): Promise<JobOutcome> {
    const { shutdown } = this;
    await this.forwardRest();
    // A beat that lands just after the complete would be answered 409 and abort this call's
    // answer: the beats end here, and a job taken away meanwhile shows as a 409 on complete.
    this.beats.stop();
    const grace = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const onShutdown = () => {
      timer = setTimeout(() => grace.abort(new Error('no time left to complete')), this.config.killGraceS * 1000);
    };
    if (shutdown.requested) onShutdown();
    else shutdown.signal.addEventListener('abort', onShutdown, { once: true });
    try {
      await this.client.complete(
        this.job.id,
        { worker_id: this.config.workerId, artifact_sha256: packed.sha256, ...(metrics ? { metrics } : {}) },
        { signal: grace.signal },
      );
      return 'completed';
    } catch (err) {
      if (grace.signal.aborted) return await this.release();
      if (err instanceof ReceiverError && err.status === 409) return this.takenAway(err);
      return await this.fail({ error: `complete refused: ${err instanceof Error ? err.message : String(err)}`, retryable: false });
    } finally {
      clearTimeout(timer);
      shutdown.signal.removeEventListener('abort', onShutdown);
    }
  }

  /** Reports the failure, waiting out an unreachable receiver (until a shutdown, then one short try). */
  private async fail(given: Omit<FailRequest, 'worker_id' | 'log_tail'>): Promise<JobOutcome> {
    // The trainer's output is redacted as it comes; an error may quote other things (a path, a message).
    const report = { ...given, error: this.redactor.redact(given.error) };
    this.log.info(`${this.tag} failed: ${oneLine(report.error)}`);
    await this.forwardRest();
    this.beats.stop();
    const body: FailRequest = { worker_id: this.config.workerId, ...report, ...this.logTail() };
    try {
      await this.deliver((call) => this.client.fail(this.job.id, body, call));
    } catch (err) {
      this.reportLost('fail', err);
    }
    return 'failed';
  }

  /** Gives the job back on shutdown: pending at once, the attempt not counted. */
  private async release(): Promise<JobOutcome> {
    await this.forwardRest();
    this.beats.stop();
    const body: FailRequest = { worker_id: this.config.workerId, error: 'worker shutdown', release: true, ...this.logTail() };
    try {
      await this.client.fail(this.job.id, body, { signal: AbortSignal.timeout(FINAL_REPORT_MS), retry: false });
      this.log.info(`${this.tag} released (worker shutdown): pending again`);
    } catch (err) {
      this.reportLost('release', err);
    }
    return 'released';
  }

  private cancelled(): JobOutcome {
    this.forwarding?.stop();
    this.log.info(`${this.tag} taken away by the receiver (now ${this.beats.cancelledStatus ?? 'not ours'}); nothing more reported`);
    return 'cancelled';
  }

  private takenAway(err: ReceiverError): JobOutcome {
    this.forwarding?.stop();
    this.log.warn(`${this.tag} no longer this worker's (${err.message}); nothing more reported`);
    return 'cancelled';
  }

  private reportLost(what: string, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    const hint = what === 'release' ? '; the stale sweep will requeue it' : '';
    this.log.warn(`${this.tag} could not report ${what}: ${message}${hint}`);
  }

  /**
   * The last of the log and progress, before the job's final report (the receiver
   * takes no more once it is in). A shutdown leaves it FINAL_REPORT_MS.
   */
  private forwardRest(): Promise<void> {
    return (
      this.forwarding?.finish({
        patienceMs: this.shutdown.requested ? FINAL_REPORT_MS : FINAL_FORWARD_MS,
        hurry: this.shutdown.signal,
        hurryMs: FINAL_REPORT_MS,
      }) ?? Promise.resolve()
    );
  }

  private logTail(): { log_tail?: string } {
    const tail = this.trainer?.logTail();
    // Redacted already as it was printed; this is the belt to those braces.
    return tail ? { log_tail: this.redactor.redact(tail) } : {};
  }

  /** Waits out an unreachable receiver; once a shutdown is under way, one last short try. */
  private async deliver<T>(send: (call: CallOptions) => Promise<T>): Promise<T> {
    if (!this.shutdown.requested) {
      try {
        return await send({ signal: this.shutdown.signal });
      } catch (err) {
        if (!this.shutdown.requested) throw err;
      }
    }
    return send({ signal: AbortSignal.timeout(FINAL_REPORT_MS), retry: false });
  }
}

function describeExit(exit: TrainerExit): string {
  if (exit.spawnError) return `not started: ${exit.spawnError.message}`;
  return exit.code !== null ? `exited ${exit.code}` : `killed by ${exit.signal}`;
}

/** A trainer killed by a signal exits 128 + its number, as a shell reports it (SIGKILL, the OOM killer's: 137). */
function exitCodeOf(exit: TrainerExit): number {
  if (exit.code !== null) return exit.code;
  return 128 + (exit.signal ? (osConstants.signals[exit.signal] ?? 0) : 0);
}
