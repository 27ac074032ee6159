import type { FleetEvent, JobView, WorkerView } from '@cis490/contract';
import { describeCounts, describeJob, describeWorker, formatWatchScreen } from '../format/watch.format';
import { Palette } from '../output/colors';
import { FleetState } from './fleet-state';
import type { WatchView } from './fleet-watch';
import { TerminalScreen } from './terminal-screen';

/** On a terminal: the whole fleet on one screen, redrawn in place. */
export class ScreenView implements WatchView {
  private readonly screen: TerminalScreen;
  private state: FleetState | null = null;
  private problem: string | null = null;

  constructor(out: NodeJS.WriteStream, receiver: string, colors: Palette) {
    this.screen = new TerminalScreen(out, () =>
      formatWatchScreen(this.state ?? new FleetState(), { receiver, problem: this.problem, loaded: this.state !== null }, colors, Date.now()),
    );
  }

  open(): void {
    this.screen.open();
  }

  close(): void {
    this.screen.close();
  }

  loaded(state: FleetState): void {
    this.state = state;
    this.screen.update();
  }

  changed(): void {
    this.screen.update();
  }

  connection(problem: string | null): void {
    this.problem = problem;
    this.screen.update();
  }
}

/**
 * Anywhere else (a pipe, a file, a journal): one time-stamped line per change,
 * and only when what the line says changed (a worker's heartbeat alone says nothing new).
 */
export class LineView implements WatchView {
  private readonly said = new Map<string, string>();

  constructor(
    private readonly write: (line: string) => void,
    private readonly receiver: string,
    private readonly clock: () => number = Date.now,
  ) {}

  loaded(state: FleetState, reason: string | null): void {
    if (reason !== null) this.say(`event stream reset (${reason}): state read again`);
    if (state.counts) this.note('counts', describeCounts(state.counts));
    for (const w of state.workerList()) this.noteWorker(w);
    for (const j of state.activeJobs()) this.noteJob(j);
  }

  changed(state: FleetState, e: FleetEvent): void {
    if (e.event === 'counts' && state.counts) this.note('counts', describeCounts(state.counts));
    else if (e.event === 'worker') this.noteWorker(e.data as WorkerView);
    else if (e.event === 'job') this.noteJob(e.data as JobView);
  }

  connection(problem: string | null): void {
    this.note('receiver', problem ?? `watching ${this.receiver}`);
  }

  private noteWorker(w: WorkerView): void {
    this.note(`worker ${w.worker_id}`, describeWorker(w));
  }

  private noteJob(j: JobView): void {
    this.note(`job ${j.id}`, describeJob(j));
  }

  /** Prints `line` unless it is what was last said about `key`. */
  private note(key: string, line: string): void {
    if (this.said.get(key) === line) return;
    this.said.set(key, line);
    this.say(line);
  }

  private say(line: string): void {
    this.write(`${new Date(this.clock()).toISOString().replace(/\.\d+Z$/, 'Z')} ${line}`);
  }
}
