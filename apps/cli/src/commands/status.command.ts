import { Command, CommandRunner, Help } from 'nest-commander';
import { MAX_PAGE_SIZE } from '@cis490/contract';
import { CliContext } from '../cli.context';
import { formatStatus, recentFailures } from '../format/status.format';

@Command({ name: 'status', description: 'job counts by status, workers online, and the latest failures' })
export class StatusCommand extends CommandRunner {
  constructor(private readonly cli: CliContext) {
    super();
  }

  async run(): Promise<void> {
    const s = this.cli.session(this.command);
    const [health, { workers }, failed] = await Promise.all([
      s.client.health(),
      s.client.workers(),
      s.client.listJobs({ status: 'failed', limit: MAX_PAGE_SIZE }),
    ]);
    const failures = recentFailures(failed.jobs);
    if (s.json) {
      this.cli.printJson({ health, workers, recent_failures: failures });
      return;
    }
    // The receiver that answered: with several configured, the one that is up.
    this.cli.print(formatStatus({ receiver: s.client.baseUrl, health, workers, recentFailures: failures }, s.colors, s.now));
  }

  @Help('after')
  examples(): string {
    return `
--json prints {health, workers, recent_failures}: the receiver's answers to
GET /v1/health, GET /v1/workers and the latest failed jobs.

Examples:
  $ cis490-jobs status
  $ cis490-jobs status --json | jq .health.counts`;
  }
}
