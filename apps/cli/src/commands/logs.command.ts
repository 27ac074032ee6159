import { once } from 'node:events';
import { Command, CommandRunner, Help, Option } from 'nest-commander';
import { jobLog, LOG_GIVE_UP_MS } from '@cis490/client';
import { CliContext } from '../cli.context';
import { UsageError } from '../cli.errors';
import { JOB_ID_ARGUMENT, parsePositiveInt } from '../option-values';

interface LogsOptions {
  follow?: boolean;
  attempt?: number;
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
    for await (const chunk of jobLog(s.client, id, { attempt: opts.attempt, follow: opts.follow })) {
      // The bytes as the trainer wrote them: no decoding, so a character split between two reads stays whole.
      if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
    }
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
The log is printed as raw text, so there is no --json. While following, a
broken connection is reopened from the last byte printed; after ${LOG_GIVE_UP_MS / 1000} s
without the receiver the command gives up (exit 3).

Examples:
  $ cis490-jobs logs 3f2a9c1d
  $ cis490-jobs logs -f 3f2a9c1d
  $ cis490-jobs logs --attempt 1 3f2a9c1d | grep -i error`;
  }
}
