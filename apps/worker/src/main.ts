#!/usr/bin/env node
import 'reflect-metadata';
import { CommandFactory } from 'nest-commander';
import { WorkerModule } from './worker.module';
import { ConfigError } from './worker.config';

const NAME = 'cis490-worker';

/** An error is one line on stderr and an exit code, never a stack trace: 2 for configuration, 1 otherwise. */
function die(err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${NAME}: ${message.split(/\r?\n/, 1)[0]}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
}

async function main(): Promise<void> {
  await CommandFactory.run(WorkerModule, {
    cliName: NAME,
    logger: ['error', 'warn'],
    serviceErrorHandler: die,
    // commander has already printed its usage error (or the help): only the exit code is left to choose.
    errorHandler: (err) => process.exit((err as { exitCode?: number }).exitCode === 0 ? 0 : 2),
  });
  // Keep-alive sockets and the like must not hold a finished command open.
  process.exit(process.exitCode ?? 0);
}

// A stray rejection is a bug; it still ends as one line, not a stack trace under journald.
process.on('unhandledRejection', die);
main().catch(die);
