import { Command, CommandRunner, Help } from 'nest-commander';
import { CliContext } from '../cli.context';
import { UsageError } from '../cli.errors';
import { watchFleet } from '../watch/fleet-watch';
import { LineView, ScreenView } from '../watch/watch-views';

/** The signals that end `watch` as a success: Ctrl-C, and a service manager stopping it. */
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

@Command({
  name: 'watch',
  description: 'the fleet live: job counts, workers, and the jobs they run with their progress, until Ctrl-C',
})
export class WatchCommand extends CommandRunner {
  constructor(private readonly cli: CliContext) {
    super();
  }

  async run(): Promise<void> {
    const s = this.cli.session(this.command);
    if (s.json) throw new UsageError('watch has no --json: GET /v1/events is the stream of JSON it reads');
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    for (const signal of STOP_SIGNALS) process.once(signal, onSignal);
    const screen = process.stdout.isTTY ? new ScreenView(process.stdout, s.receiver, s.colors) : null;
    try {
      screen?.open();
      await watchFleet(s.client, screen ?? new LineView((line) => this.cli.print(line), s.receiver), stop.signal);
    } finally {
      screen?.close();
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    }
  }

  @Help('after')
  examples(): string {
    return `
On a terminal the screen is redrawn in place (at most 4 times a second); when
stdout is not a terminal, one time-stamped line is printed per change instead.
A receiver that goes away is waited for ("receiver unreachable, retrying");
Ctrl-C ends it (exit 0).

Examples:
  $ cis490-jobs watch
  $ cis490-jobs watch > fleet.log`;
  }
}
