import { WorkerLog } from '../../apps/worker/src/runner/worker.log';

/** The worker's log, kept in memory for a test to read instead of printed. */
export class CapturedLog extends WorkerLog {
  readonly lines: string[] = [];

  override info(line: string): void {
    this.lines.push(line);
  }

  override warn(line: string): void {
    this.lines.push(`warning: ${line}`);
  }

  override error(line: string): void {
    this.lines.push(`error: ${line}`);
  }

  get text(): string {
    return this.lines.join('\n');
  }
}
