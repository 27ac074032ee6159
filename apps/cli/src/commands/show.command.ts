import { Command, CommandRunner, Help } from 'nest-commander';
import { CliContext } from '../cli.context';
import { formatJobDetail } from '../format/job-detail.format';
import { JOB_ID_ARGUMENT } from '../option-values';

@Command({
  name: 'show',
  arguments: '<id>',
  argsDescription: JOB_ID_ARGUMENT,
  description: 'one job: its fields, why it is pending, its events, error and log tail',
})
export class ShowCommand extends CommandRunner {
  constructor(private readonly cli: CliContext) {
    super();
  }

  async run([id]: string[]): Promise<void> {
    const s = this.cli.session(this.command);
    const job = await s.client.getJob(id);
    if (s.json) this.cli.printJson(job);
    else this.cli.print(formatJobDetail(job, s.colors, s.now));
  }

  @Help('after')
  examples(): string {
    return `
Examples:
  $ cis490-jobs show 3f2a9c1d
  $ cis490-jobs show 3f2a9c1d --json | jq .events`;
  }
}
