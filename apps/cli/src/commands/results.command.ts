import { Command, CommandRunner, Help, Option } from 'nest-commander';
import { DEFAULT_RESULTS_LIMIT, MAX_PAGE_SIZE } from '@cis490/contract';
import { CliContext } from '../cli.context';
import { UsageError } from '../cli.errors';
import { formatResults } from '../format/results.format';
import { parseName, parsePositiveInt } from '../option-values';

interface ResultsOptions {
  mode?: string;
  metric?: string;
  asc?: boolean;
  limit?: number;
}

@Command({
  name: 'results',
  arguments: '<model>',
  argsDescription: { model: 'the model whose completed jobs to rank' },
  description: 'the leaderboard: a model\'s completed jobs ranked by a metric of their metrics.json',
})
export class ResultsCommand extends CommandRunner {
  constructor(private readonly cli: CliContext) {
    super();
  }

  async run([model]: string[], opts: ResultsOptions): Promise<void> {
    parseName('MODEL', model);
    const s = this.cli.session(this.command);
    const limit = opts.limit ?? DEFAULT_RESULTS_LIMIT;
    const view = await s.client.results({
      model,
      mode: opts.mode,
      metric: opts.metric,
      order: opts.asc ? 'asc' : 'desc',
      limit,
    });
    if (s.json) this.cli.printJson(view);
    else this.cli.print(formatResults(view, { mode: opts.mode, limit }, s.colors));
  }

  @Option({ flags: '--mode <mode>', description: 'only jobs of this mode' })
  mode(value: string): string {
    return parseName('--mode', value);
  }

  @Option({ flags: '--metric <name>', description: 'rank by this metric (default: the first metric of the first completed job)' })
  metric(value: string): string {
    if (!value.trim()) throw new UsageError('--metric: a metric name is needed');
    return value;
  }

  @Option({ flags: '--asc', description: 'lowest first (for a loss); the default is highest first' })
  asc(): boolean {
    return true;
  }

  @Option({ flags: '--limit <n>', description: `show at most n jobs (default ${DEFAULT_RESULTS_LIMIT}, at most ${MAX_PAGE_SIZE})` })
  limit(value: string): number {
    const n = parsePositiveInt('--limit', value);
    if (n > MAX_PAGE_SIZE) throw new UsageError(`--limit: ${n} is more than the receiver answers (${MAX_PAGE_SIZE})`);
    return n;
  }

  @Help('after')
  examples(): string {
    return `
Jobs without the ranked metric come last. --json prints the receiver's answer
to GET /v1/results.

Examples:
  $ cis490-jobs results gbt
  $ cis490-jobs results mlp --mode realistic --metric val_loss --asc --limit 10
  $ cis490-jobs results gbt --json | jq -r '.results[0].artifact_sha256'`;
  }
}
