import { Module } from '@nestjs/common';
import { ClientModule } from '@cis490/client';
import { CliContext } from './cli.context';
import { CliProgram } from './cli.program';
import { CancelCommand } from './commands/cancel.command';
import { ListCommand } from './commands/list.command';
import { LogsCommand } from './commands/logs.command';
import { ModelsCommand } from './commands/models.command';
import { PullCommand } from './commands/pull.command';
import { ReloadCommand } from './commands/reload.command';
import { RequeueCommand } from './commands/requeue.command';
import { ResultsCommand } from './commands/results.command';
import { ShowCommand } from './commands/show.command';
import { StatusCommand } from './commands/status.command';
import { WatchCommand } from './commands/watch.command';
import { WorkersCommand } from './commands/workers.command';

/** Commands in the order `--help` lists them. */
export const COMMANDS = [
  StatusCommand,
  ListCommand,
  ShowCommand,
  LogsCommand,
  WatchCommand,
  ResultsCommand,
  CancelCommand,
  RequeueCommand,
  ReloadCommand,
  WorkersCommand,
  ModelsCommand,
  PullCommand,
];

@Module({ imports: [ClientModule], providers: [CliContext, CliProgram, ...COMMANDS] })
export class CliModule {}
