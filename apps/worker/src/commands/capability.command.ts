import { Command, Option } from 'nest-commander';
import { CapabilityDetector } from '@cis490/capability';
import { capabilityLines } from '../capability.format';
import { trainerCheckout } from '../trainer-command';
import { WorkerConfigService } from '../worker-config.service';
import { WorkerFlags } from '../worker.config';
import { ConfiguredCommand } from './config.options';

@Command({ name: 'capability', description: 'what this host detected (--json: the capability object the receiver gets)' })
export class CapabilityCommand extends ConfiguredCommand {
  constructor(
    private readonly settings: WorkerConfigService,
    private readonly detector: CapabilityDetector,
  ) {
    super();
  }

  async run(_args: string[], flags: WorkerFlags & { json?: boolean } = {}): Promise<void> {
    const config = this.settings.resolve(flags);
    const { capability, gpus } = await this.detector.detectHost({ trainerDir: trainerCheckout(config.trainerArgv) });
    const text = flags.json ? JSON.stringify(capability, null, 2) : capabilityLines(capability, gpus).join('\n');
    process.stdout.write(`${text}\n`);
  }

  @Option({ flags: '--json', description: 'print the capability object as JSON' })
  parseJson(): boolean {
    return true;
  }
}
