import { Module, OnModuleInit } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { Command as Commander } from 'commander';
import { InjectCommander } from 'nest-commander';
import { ArtifactsModule } from '@cis490/artifacts';
import { CapabilityModule } from '@cis490/capability';
import { ClientModule } from '@cis490/client';
import { CapabilityCommand } from './commands/capability.command';
import { ConfigCommand } from './commands/config.command';
import { RunCommand } from './commands/run.command';
import { SelfTestCommand } from './commands/self-test.command';
import { JobRunner } from './runner/job.runner';
import { SelfTestService } from './runner/self-test.service';
import { WorkerLog } from './runner/worker.log';
import { WorkerLoop } from './runner/worker.loop';
import { WorkerConfigService } from './worker-config.service';

@Module({
  imports: [
    // The variables come from the process (systemd's EnvironmentFile); a .env file beside the worker is not read.
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true }),
    ClientModule,
    CapabilityModule,
    ArtifactsModule,
  ],
  providers: [
    RunCommand,
    CapabilityCommand,
    ConfigCommand,
    SelfTestCommand,
    WorkerConfigService,
    WorkerLoop,
    JobRunner,
    SelfTestService,
    WorkerLog,
  ],
})
export class WorkerModule implements OnModuleInit {
  constructor(@InjectCommander() private readonly commander: Commander) {}

  /** Usage lines name the installed command, not the file it runs (`main`). */
  onModuleInit(): void {
    this.commander.name('cis490-worker');
  }
}
