import { Module, OnModuleInit } from '@nestjs/common';
import { Command as Commander } from 'commander';
import { InjectCommander } from 'nest-commander';
import { CapabilityCommand } from './commands/capability.command';
import { RunCommand } from './commands/run.command';
import { SelfTestCommand } from './commands/self-test.command';
import { SelfTestService } from './runner/self-test.service';
import { WorkerLog } from './runner/worker.log';
import { WorkerLoop } from './runner/worker.loop';

@Module({
  providers: [RunCommand, CapabilityCommand, SelfTestCommand, WorkerLoop, SelfTestService, WorkerLog],
})
export class WorkerModule implements OnModuleInit {
  constructor(@InjectCommander() private readonly commander: Commander) {}

  /** Usage lines name the installed command, not the file it runs (`main`). */
  onModuleInit(): void {
    this.commander.name('cis490-worker');
  }
}
