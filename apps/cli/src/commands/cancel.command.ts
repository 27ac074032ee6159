import { Command, CommandRunner, Help } from 'nest-commander';
import { CliContext } from '../cli.context';
import { colorStatus } from '../format/job-status.format';
import { JOB_ID_ARGUMENT } from '../option-values';

@Command({
  name: 'cancel',
  arguments: '<id>',
  argsDescription: JOB_ID_ARGUMENT,
  description: 'cancel a job that is not finished; a worker running it stops at its next heartbeat (operator)',
})
export class CancelCommand extends CommandRunner {
  constructor(private readonly cli: CliContext) {
    super();
  }

  async run([id]: string[]): Promise<void> {
    const s = this.cli.session(this.command, { operator: true });
    const job = await s.client.cancel(id);
    if (s.json) this.cli.printJson(job);
    else this.cli.print(`job ${job.id} (${job.model}/${job.mode}) is ${colorStatus(job.status, s.colors)}`);
  }

  @Help('after')
  examples(): string {
    return `
Needs CIS490_OPERATOR_TOKEN in the environment. Cancelling a cancelled job is fine;
a completed one is refused (exit 1).

Examples:
  $ cis490-jobs cancel 3f2a9c1d
  $ cis490-jobs list --status pending --model mlp --json | jq -r '.jobs[].id' | xargs -n1 cis490-jobs cancel`;
  }
}
