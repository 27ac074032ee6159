import { Command, CommandRunner, Help, Option } from 'nest-commander';
import { DEFAULT_PAGE_SIZE, type JobStatus } from '@cis490/contract';
import { CliContext } from '../cli.context';
import { formatJobList } from '../format/job-list.format';
import { parseName, parsePositiveInt, parseStatus } from '../option-values';
import { collectJobs } from '../receiver/job-pages';

interface ListOptions {
  status?: JobStatus;
  model?: string;
  mode?: string;
  limit?: number;
}

@Command({ name: 'list', description: 'list jobs, in manifest order' })
export class ListCommand extends CommandRunner {
  constructor(private readonly cli: CliContext) {
    super();
  }

  async run(_args: string[], opts: ListOptions): Promise<void> {
    const s = this.cli.session(this.command);
    // Without --limit: one page, as the receiver answers it by default.
    const limit = opts.limit ?? DEFAULT_PAGE_SIZE;
    const page = await collectJobs(s.client, { status: opts.status, model: opts.model, mode: opts.mode }, limit);
    if (s.json) this.cli.printJson(page);
    else this.cli.print(formatJobList(page, limit, s.colors, s.now));
  }

  @Option({ flags: '--status <status>', description: 'only jobs in this status (pending, claimed, running, completed, failed, cancelled)' })
  status(value: string): JobStatus {
    return parseStatus(value);
  }

  @Option({ flags: '--model <model>', description: 'only jobs of this model' })
  model(value: string): string {
    return parseName('--model', value);
  }

  @Option({ flags: '--mode <mode>', description: 'only jobs of this mode' })
  mode(value: string): string {
    return parseName('--mode', value);
  }

  @Option({ flags: '--limit <n>', description: `show at most n jobs (default ${DEFAULT_PAGE_SIZE}), fetching page after page` })
  limit(value: string): number {
    return parsePositiveInt('--limit', value);
  }

  @Help('after')
  examples(): string {
    return `
Examples:
  $ cis490-jobs list --status failed
  $ cis490-jobs list --model gbt --mode realistic --limit 500
  $ cis490-jobs list --status pending --json | jq -r '.jobs[].id'`;
  }
}
