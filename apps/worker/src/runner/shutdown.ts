import type { WorkerLog } from './worker.log';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
type ShutdownSignalName = (typeof SIGNALS)[number];
const EXIT_CODE: Record<ShutdownSignalName, number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * SIGTERM/SIGINT handling for the daemon. The first signal asks for a clean
 * stop (`signal` aborts: stop claiming, stop the trainer, give the job back);
 * a second one means "now": the trainer's group is killed and the process
 * exits at once.
 */
export class Shutdown {
  private readonly controller = new AbortController();
  private readonly forceHandlers = new Set<() => void>();
  private received?: ShutdownSignalName;

  constructor(
    private readonly log: WorkerLog,
    private readonly exit: (code: number) => never = process.exit,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get requested(): boolean {
    return this.controller.signal.aborted;
  }

  get reason(): string | undefined {
    return this.received;
  }

  install(): () => void {
    for (const name of SIGNALS) process.on(name, this.onSignal);
    return () => {
      for (const name of SIGNALS) process.off(name, this.onSignal);
    };
  }

  /** Runs on a second signal, before the exit (e.g. SIGKILL the trainer's group). Returns the unregister. */
  onForce(handler: () => void): () => void {
    this.forceHandlers.add(handler);
    return () => this.forceHandlers.delete(handler);
  }

  private readonly onSignal = (name: ShutdownSignalName): void => {
    if (this.received === undefined) {
      this.received = name;
      this.log.info(`${name} received: finishing up (send it again to stop at once)`);
      this.controller.abort(new Error(`worker shutdown (${name})`));
      return;
    }
    this.log.warn(`${name} received again: stopping at once`);
    for (const handler of this.forceHandlers) handler();
    this.exit(EXIT_CODE[name]);
  };
}
