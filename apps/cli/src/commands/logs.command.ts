import { once } from 'node:events';
import { Command, CommandRunner, Help, Option } from 'nest-commander';
import { jobLog, LOG_GIVE_UP_MS } from '@cis490/client';
import { CliContext } from '../cli.context';
import { UsageError } from '../cli.errors';
import { JOB_ID_ARGUMENT, parsePositiveInt } from '../option-values';
import { TerminalLogFilter } from '../output/log-filter';

interface LogsOptions {
  follow?: boolean;
  attempt?: number;
  raw?: boolean;
}

@Command({
  name: 'logs',
  arguments: '<id>',
  argsDescription: JOB_ID_ARGUMENT,
  description: 'print a job\'s log (the trainer\'s stdout and stderr) as it is; -f follows it',
})
export class LogsCommand extends CommandRunner {
  constructor(private readonly cli: CliContext) {
    super();
  }

  async run([id]: string[], opts: LogsOptions): Promise<void> {
    const s = this.cli.session(this.command);
    if (s.json) throw new UsageError('logs prints the log\'s text as it is and has no --json (show --json has the job)');
    // To a file or a pipe: the bytes as the trainer wrote them, the user's own data. To a terminal:
    // nothing that acts on it (see TerminalLogFilter), unless --raw says the user wants exactly that.
    const filter = process.stdout.isTTY && !opts.raw ? new TerminalLogFilter() : undefined;
    const write = async (out: Buffer | string) => {
      if (out.length && !process.stdout.write(out)) await once(process.stdout, 'drain');
    };
    for await (const chunk of jobLog(s.client, id, { attempt: opts.attempt, follow: opts.follow })) {
      await write(filter ? filter.write(chunk) : chunk);
    }
    if (filter) await write(filter.end());
  }

  @Option({ flags: '--raw', description: 'on a terminal too, print escape sequences as the trainer wrote them' })
  raw(): boolean {
    return true;
  }

  @Option({ flags: '-f, --follow', description: 'keep printing as the log grows, until the attempt ends (then exit 0)' })
  follow(): boolean {
    return true;
  }

  @Option({ flags: '--attempt <n>', description: 'an earlier attempt (1 is the first claim); default: the latest' })
  attempt(value: string): number {
    return parsePositiveInt('--attempt', value);
  }

  @Help('after')
  examples(): string {
    return `
The log is printed as raw text, so there is no --json. On a terminal,
escape sequences that would act on it (titles, clipboard, clearing the
screen) are left out; colours stay (--raw prints everything). While following, a
broken connection is reopened from the last byte printed; after ${LOG_GIVE_UP_MS / 1000} s
without the receiver the command gives up (exit 3).

Examples:
  $ cis490-jobs logs 3f2a9c1d
  $ cis490-jobs logs -f 3f2a9c1d
  $ cis490-jobs logs --attempt 1 3f2a9c1d | grep -i error`;
  }
}
