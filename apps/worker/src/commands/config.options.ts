import type { Command } from 'commander';
import { CommandRunner, Option } from 'nest-commander';
import { DEFAULTS } from '../worker.config';

const raw = (value: string): string => value;

/**
 * The flags every command takes, each overriding the variable of the same
 * name (WorkerConfigService merges them). The worker token has no flag: argv
 * is visible to every user of the host.
 */
export abstract class ConfiguredCommand extends CommandRunner {
  /** commander has printed the usage error (unknown option, missing value) by now: exit 2, as for bad settings. */
  override setCommand(command: Command): this {
    command.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
    return super.setCommand(command);
  }

  @Option({
    flags: '--receiver-url <urls>',
    description: `CIS490_RECEIVER_URL: the receiver, or several comma-separated, tried in turn when one does not answer (default ${DEFAULTS.receiverUrl})`,
  })
  parseReceiverUrl(v: string): string {
    return raw(v);
  }

  @Option({ flags: '--trainer-cmd <command>', description: "CIS490_TRAINER_CMD: the trainer's argv as one string" })
  parseTrainerCmd(v: string): string {
    return raw(v);
  }

  @Option({ flags: '--work-dir <dir>', description: `CIS490_WORK_DIR (default ${DEFAULTS.workDir})` })
  parseWorkDir(v: string): string {
    return raw(v);
  }

  @Option({ flags: '--worker-id <id>', description: 'CIS490_WORKER_ID (default: the hostname)' })
  parseWorkerId(v: string): string {
    return raw(v);
  }

  @Option({ flags: '--allow-jobs <models>', description: 'CIS490_ALLOW_JOBS: comma list of models this worker may train' })
  parseAllowJobs(v: string): string {
    return raw(v);
  }

  @Option({ flags: '--deny-jobs <models>', description: 'CIS490_DENY_JOBS: comma list of models this worker never trains' })
  parseDenyJobs(v: string): string {
    return raw(v);
  }

  @Option({ flags: '--poll-s <seconds>', description: `CIS490_POLL_S: wait between claims when idle (default ${DEFAULTS.pollS})` })
  parsePollS(v: string): string {
    return raw(v);
  }

  @Option({
    flags: '--claim-wait-s <seconds>',
    description: `CIS490_CLAIM_WAIT_S: how long the receiver holds an idle claim until a job is eligible (default ${DEFAULTS.claimWaitS}; 0 = poll)`,
  })
  parseClaimWaitS(v: string): string {
    return raw(v);
  }

  @Option({
    flags: '--slots <n>',
    description: `CIS490_SLOTS: jobs run at once, an integer >= 1 or "auto" = one per usable GPU, at least 1 (default ${DEFAULTS.slots})`,
  })
  parseSlots(v: string): string {
    return raw(v);
  }

  @Option({
    flags: '--gpu-busy-mib <MiB>',
    description: `CIS490_GPU_BUSY_MIB: a GPU none of this worker's jobs holds is busy (not offered) with more MiB in use (default ${DEFAULTS.gpuBusyMib})`,
  })
  parseGpuBusyMib(v: string): string {
    return raw(v);
  }

  @Option({ flags: '--tls-ca <file>', description: "CIS490_TLS_CA: a CA to trust for the receiver's certificate, besides the system's" })
  parseTlsCa(v: string): string {
    return raw(v);
  }

  @Option({ flags: '--tls-cert <file>', description: "CIS490_TLS_CERT: this host's client certificate, for a receiver that requires one (mTLS)" })
  parseTlsCert(v: string): string {
    return raw(v);
  }

  @Option({ flags: '--tls-key <file>', description: 'CIS490_TLS_KEY: the client certificate\'s private key' })
  parseTlsKey(v: string): string {
    return raw(v);
  }

  @Option({ flags: '--kill-grace-s <seconds>', description: `CIS490_KILL_GRACE_S: SIGTERM → SIGKILL delay (default ${DEFAULTS.killGraceS})` })
  parseKillGraceS(v: string): string {
    return raw(v);
  }
}
