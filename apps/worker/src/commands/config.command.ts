import { Command, Option } from 'nest-commander';
import { WorkerConfigService } from '../worker-config.service';
import type { WorkerConfig, WorkerFlags } from '../worker.config';
import { ConfiguredCommand } from './config.options';

@Command({ name: 'config', description: 'the settings in force, after flags and environment (the worker token only as set or not)' })
export class ConfigCommand extends ConfiguredCommand {
  constructor(private readonly settings: WorkerConfigService) {
    super();
  }

  async run(_args: string[], flags: WorkerFlags & { json?: boolean } = {}): Promise<void> {
    const config = this.settings.resolve(flags);
    const text = flags.json ? JSON.stringify(configJson(config), null, 2) : configLines(config).join('\n');
    process.stdout.write(`${text}\n`);
  }

  @Option({ flags: '--json', description: 'print the settings as JSON' })
  parseJson(): boolean {
    return true;
  }
}

/** The settings with the token left out: this output ends up in tickets and chat. */
function configJson(config: WorkerConfig): Record<string, unknown> {
  const { workerToken, ...rest } = config;
  return { ...rest, workerTokenSet: workerToken !== undefined };
}

/** Aligned `VARIABLE  value` lines, named as the env file names them. */
export function configLines(c: WorkerConfig): string[] {
  const list = (items: string[], none: string) => (items.length ? items.join(',') : none);
  const rows: [string, string][] = [
    ['CIS490_RECEIVER_URL', c.receiverUrls.length > 1 ? `${c.receiverUrls.join(',')} (tried in this order)` : c.receiverUrls[0]],
    ['CIS490_WORKER_ID', c.workerId],
    ['CIS490_WORKER_TOKEN', c.workerToken !== undefined ? '(set)' : '(not set)'],
    ['CIS490_TRAINER_CMD', c.trainerCmd || '(not set)'],
    ['CIS490_WORK_DIR', c.workDir],
    ['CIS490_ALLOW_JOBS', list(c.allowJobs, '(any model)')],
    ['CIS490_DENY_JOBS', list(c.denyJobs, '(none)')],
    ['CIS490_POLL_S', String(c.pollS)],
    ['CIS490_CLAIM_WAIT_S', String(c.claimWaitS)],
    ['CIS490_KILL_GRACE_S', String(c.killGraceS)],
    ['CIS490_SLOTS', String(c.slots)],
    ['CIS490_GPU_BUSY_MIB', String(c.gpuBusyMib)],
    ['CIS490_TLS_CA', c.tls.ca ?? '(not set: the system\'s CAs only)'],
    ['CIS490_TLS_CERT', c.tls.cert ?? '(not set: no client certificate)'],
    ['CIS490_TLS_KEY', c.tls.key ?? '(not set)'],
  ];
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return rows.map(([k, v]) => `${k.padEnd(width)}${v}`);
}
