import { Command, Option } from 'nest-commander';
import { detectCapability } from '@cis490/capability';
import { capabilityLines } from '../capability.format';
import { trainerCheckout } from '../trainer-command';
import { WorkerFlags } from '../worker.config';
import { ConfiguredCommand } from './config.options';

@Command({ name: 'capability', description: 'what this host detected (--json: the capability object the receiver gets)' })
export class CapabilityCommand extends ConfiguredCommand {
  async run(_args: string[], flags: WorkerFlags & { json?: boolean } = {}): Promise<void> {
    const config = this.config(flags);
    const capability = await detectCapability({ trainerDir: trainerCheckout(config.trainerArgv) });
    const text = flags.json ? JSON.stringify(capability, null, 2) : capabilityLines(capability).join('\n');
    process.stdout.write(`${text}\n`);
  }

  @Option({ flags: '--json', description: 'print the capability object as JSON' })
  parseJson(): boolean {
    return true;
  }
}
