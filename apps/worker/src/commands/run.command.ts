import { Command, Option } from 'nest-commander';
import { WorkerLoop } from '../runner/worker.loop';
import { WorkerConfigService } from '../worker-config.service';
import { ConfigError, WorkerFlags } from '../worker.config';
import { ConfiguredCommand } from './config.options';

interface RunFlags extends WorkerFlags {
  once?: boolean;
  maxJobs?: string;
}

@Command({ name: 'run', description: 'the daemon: claim jobs this host may train, run the trainer, upload the bundles' })
export class RunCommand extends ConfiguredCommand {
  constructor(
    private readonly settings: WorkerConfigService,
    private readonly loop: WorkerLoop,
  ) {
    super();
  }

  async run(_args: string[], flags: RunFlags = {}): Promise<void> {
    const config = this.settings.resolve(flags);
    process.exitCode = await this.loop.run(config, { maxJobs: maxJobs(flags) });
  }

  @Option({ flags: '--once', description: 'wait for one job, run it, and exit' })
  parseOnce(): boolean {
    return true;
  }

  @Option({ flags: '--max-jobs <n>', description: 'exit after N jobs' })
  parseMaxJobs(v: string): string {
    return v;
  }
}

function maxJobs(flags: RunFlags): number | undefined {
  if (flags.maxJobs !== undefined) {
    if (!/^\d+$/.test(flags.maxJobs) || Number(flags.maxJobs) < 1) {
      throw new ConfigError(`--max-jobs must be an integer >= 1, got ${JSON.stringify(flags.maxJobs)}`);
    }
    if (flags.once) throw new ConfigError('--once and --max-jobs: give one of them');
    return Number(flags.maxJobs);
  }
  return flags.once ? 1 : undefined;
}
