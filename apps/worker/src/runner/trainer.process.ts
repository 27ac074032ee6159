import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, WriteStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { OutputTail } from './output-tail';
import { RedactingStream, SecretRedactor } from './secret-redactor';

export interface TrainerLaunch {
  /** The trainer's argv; `--job-file` and `--out-dir` are appended. */
  argv: readonly string[];
  jobFile: string;
  outDir: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /**
   * Everything the trainer prints (secrets redacted) is also kept here, whole, for the operator
   * and for the job's log on the receiver: UTF-8 text, each stream decoded on
   * its own (a character split across two reads of stdout stays whole even when
   * stderr wrote in between; bytes that are not UTF-8 become U+FFFD), so every
   * byte offset in the file is one the receiver counts the same way.
   */
  logFile?: string;
  /** Applied to everything the trainer prints before it is kept anywhere: tails, log file, error. */
  redactor?: SecretRedactor;
}

export interface TrainerExit {
  /** null when killed by a signal or never started. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the trainer could not be started at all (e.g. ENOENT). */
  spawnError?: Error;
}

/** The receiver keeps the last 64 KiB of a log tail: sending more is wasted. */
export const LOG_TAIL_BYTES = 64 * 1024;
const STDERR_TAIL_BYTES = 16 * 1024;
/** After the trainer exits, how long its pipes may stay open (a straggler holding them) before we stop reading. */
const DRAIN_MS = 2_000;

const isWindows = process.platform === 'win32';

/**
 * One run of the trainer, in its own process group so that whatever it starts
 * (data loaders, a shell's children) is stopped with it. Keeps bounded tails
 * of its output for heartbeats and the failure report.
 */
export class TrainerProcess {
  readonly exited: Promise<TrainerExit>;
  private readonly child: ChildProcess;
  private readonly output = new OutputTail(LOG_TAIL_BYTES);
  private readonly stderr = new OutputTail(STDERR_TAIL_BYTES);
  private readonly log?: WriteStream;
  private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  private readonly redacting: { stdout: RedactingStream; stderr: RedactingStream };
  private exitInfo?: TrainerExit;

  private constructor(launch: TrainerLaunch) {
    const [program, ...args] = launch.argv;
    const redactor = launch.redactor ?? new SecretRedactor([]);
    this.redacting = { stdout: redactor.stream(), stderr: redactor.stream() };
    if (launch.logFile) {
      this.log = createWriteStream(launch.logFile);
      this.log.on('error', () => undefined); // the log is a convenience; a full disk must not stop the job
    }
    this.child = spawn(program, [...args, '--job-file', launch.jobFile, '--out-dir', launch.outDir], {
      cwd: launch.cwd,
      env: launch.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: !isWindows,
      windowsHide: true,
    });
    this.child.stdout!.on('data', (chunk: Buffer) => this.record(chunk, false));
    this.child.stderr!.on('data', (chunk: Buffer) => this.record(chunk, true));
    this.exited = this.watch();
  }

  static start(launch: TrainerLaunch): TrainerProcess {
    return new TrainerProcess(launch);
  }

  /** undefined when the trainer could not be started. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** The last 64 KiB of stdout and stderr, interleaved as they came. */
  logTail(): string {
    return this.output.text();
  }

  stderrLines(count: number): string[] {
    return this.stderr.lastLines(count);
  }

  /**
   * SIGTERM to the whole group, SIGKILL after `graceMs` if it is still there;
   * resolves once the trainer has exited.
   */
  async terminate(graceMs: number): Promise<TrainerExit> {
    if (this.exitInfo) return this.exitInfo;
    this.signalGroup('SIGTERM');
    const timer = setTimeout(() => this.signalGroup('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL to the group now (a second shutdown signal: no more waiting). */
  kill(): void {
    this.signalGroup('SIGKILL');
  }

  private record(chunk: Buffer, isStderr: boolean): void {
    const stream = isStderr ? 'stderr' : 'stdout';
    this.keep(this.redacting[stream].write(this.decoders[stream].write(chunk)), isStderr);
  }

  /** Text as it may leave the host: decoded, and with the secrets replaced. */
  private keep(text: string, isStderr: boolean): void {
    if (!text) return;
    const bytes = Buffer.from(text, 'utf8');
    this.output.push(bytes);
    if (isStderr) this.stderr.push(bytes);
    this.log?.write(text);
  }

  /** The pipes are closed: what the decoders and redactors held back is kept now. */
  private flush(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      // A stream that ended inside a character: what is left of it becomes U+FFFD.
      const rest = this.redacting[stream].write(this.decoders[stream].end()) + this.redacting[stream].end();
      this.keep(rest, stream === 'stderr');
    }
  }

  private async watch(): Promise<TrainerExit> {
    const exit = await new Promise<TrainerExit>((resolve) => {
      // `on`, not `once`: a later 'error' (a failed kill) without a listener would throw.
      this.child.on('error', (err) => resolve({ code: null, signal: null, spawnError: err }));
      this.child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    this.exitInfo = exit;
    // The trainer leads its group; what is left of the group once it is gone (a grandchild it
    // forgot) would hold GPU memory and the pipes: end it.
    if (!exit.spawnError) this.signalGroup('SIGKILL');
    await this.drain();
    this.flush();
    await this.closeLog();
    return exit;
  }

  /** Once `exited` resolves, trainer.log is whole on disk. */
  private async closeLog(): Promise<void> {
    const log = this.log;
    if (!log || log.closed) return;
    await new Promise<void>((resolve) => {
      log.once('close', () => resolve());
      log.end();
    });
  }

  /** Output written just before the exit is still in the pipes: read it, within bounds. */
  private async drain(): Promise<void> {
    const streams = [this.child.stdout!, this.child.stderr!].filter((s) => !s.closed && !s.destroyed);
    if (streams.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(streams.map((s) => new Promise((r) => s.once('close', r)))),
      new Promise((r) => (timer = setTimeout(r, DRAIN_MS))),
    ]);
    clearTimeout(timer);
    for (const s of streams) s.destroy();
  }

  private signalGroup(signal: 'SIGTERM' | 'SIGKILL'): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    if (isWindows) {
      // No process groups: taskkill walks the tree; /F is the only way to force it.
      const args = ['/pid', String(pid), '/T', ...(signal === 'SIGKILL' ? ['/F'] : [])];
      spawn('taskkill', args, { stdio: 'ignore', windowsHide: true }).on('error', () => this.child.kill());
      return;
    }
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is already empty.
    }
  }
}
