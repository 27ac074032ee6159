import { Command, CommandRunner, Help, Option } from 'nest-commander';
import { CliContext } from '../cli.context';
import { colorStatus } from '../format/job-status.format';
import { JOB_ID_ARGUMENT } from '../option-values';

interface RequeueOptions {
  force?: boolean;
}

@Command({
  name: 'requeue',
  arguments: '<id>',
  argsDescription: JOB_ID_ARGUMENT,
  description: 'put a failed or cancelled job back to pending, attempts reset (operator)',
})
export class RequeueCommand extends CommandRunner {
  constructor(private readonly cli: CliContext) {
    super();
  }

  async run([id]: string[], opts: RequeueOptions): Promise<void> {
    const s = this.cli.session(this.command, { operator: true });
    const job = await s.client.requeue(id, opts.force ? true : undefined);
    if (s.json) this.cli.printJson(job);
    else {
      this.cli.print(
        `job ${job.id} (${job.model}/${job.mode}) is ${colorStatus(job.status, s.colors)}, ` +
          `attempt ${job.attempts} of ${job.max_attempts}`,
      );
    }
  }

  @Option({ flags: '--force', description: 'also requeue a completed job (to train it again)' })
  force(): boolean {
    return true;
  }

  @Help('after')
  examples(): string {
    return `
Needs CIS490_OPERATOR_TOKEN in the environment. A job that is claimed or running
is refused (exit 1): cancel it first.

Examples:
  $ cis490-jobs requeue 3f2a9c1d
  $ cis490-jobs requeue 3f2a9c1d --force`;
  }
}
