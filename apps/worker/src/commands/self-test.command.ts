import { Command } from 'nest-commander';
import { formatCheck, SelfTestService } from '../runner/self-test.service';
import { WorkerConfigService } from '../worker-config.service';
import { WorkerFlags } from '../worker.config';
import { ConfiguredCommand } from './config.options';

@Command({ name: 'self-test', description: 'check capability, receiver, trainer, work dir and zstd; exit 0 only when all pass' })
export class SelfTestCommand extends ConfiguredCommand {
  constructor(
    private readonly settings: WorkerConfigService,
    private readonly selfTest: SelfTestService,
  ) {
    super();
  }

  async run(_args: string[], flags: WorkerFlags = {}): Promise<void> {
    const checks = await this.selfTest.all(this.settings.resolve(flags));
    for (const check of checks) process.stdout.write(`${formatCheck(check)}\n`);
    process.exitCode = checks.every((c) => c.ok) ? 0 : 1;
  }
}
