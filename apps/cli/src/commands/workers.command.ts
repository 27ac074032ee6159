import { Command, CommandRunner, Help } from 'nest-commander';
import { CliContext } from '../cli.context';
import { formatWorkers } from '../format/workers.format';

@Command({ name: 'workers', description: 'workers the receiver has seen: capability, slots used, which GPUs run which job, last seen' })
export class WorkersCommand extends CommandRunner {
  constructor(private readonly cli: CliContext) {
    super();
  }

  async run(): Promise<void> {
    const s = this.cli.session(this.command);
    const answer = await s.client.workers();
    if (s.json) this.cli.printJson(answer);
    else this.cli.print(formatWorkers(answer.workers, s.colors, s.now));
  }

  @Help('after')
  examples(): string {
    return `
Examples:
  $ cis490-jobs workers
  $ cis490-jobs workers --json | jq '.workers[] | select(.online) | .worker_id'`;
  }
}
