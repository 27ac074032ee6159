import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { loadWorkerConfig, WorkerConfig, WorkerFlags } from './worker.config';

/**
 * A command's settings (SPEC §5): its flags over the variables of the same
 * name, checked by loadWorkerConfig's rules. A bad one is a ConfigError
 * naming the flag or variable (exit 2) before the command does anything.
 */
@Injectable()
export class WorkerConfigService {
  /**
   * The rules read variables by name, the trainer command's `$VARS` among
   * them, so they get an environment whose every read goes to ConfigService.
   */
  private readonly variables: NodeJS.ProcessEnv = new Proxy(
    {},
    { get: (_none, name) => (typeof name === 'string' ? this.config.get<string>(name) : undefined) },
  );

  constructor(private readonly config: ConfigService) {}

  resolve(flags: WorkerFlags): WorkerConfig {
    return loadWorkerConfig(this.variables, flags);
  }
}
