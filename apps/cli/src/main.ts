#!/usr/bin/env node
import 'reflect-metadata';
import { CommandFactory } from 'nest-commander';
import { CliModule } from './cli.module';
import { CliProgram } from './cli.program';
import { describeFailure, EXIT, printFailure } from './cli.errors';

/** Runs one command line; every failure becomes an exit code and one line per problem on stderr. */
async function main(): Promise<number> {
  let failure: unknown;
  const app = await CommandFactory.createWithoutRunning(CliModule, {
    logger: false,
    serviceErrorHandler: (err) => {
      failure = err;
    },
  });
  try {
    app.get(CliProgram).configure();
    await CommandFactory.runApplication(app);
  } finally {
    await app.close();
  }
  return failure === undefined ? EXIT.ok : report(failure);
}

function report(err: unknown): number {
  const failure = describeFailure(err);
  printFailure(failure, (s) => process.stderr.write(s));
  return failure.exitCode;
}

const flushed = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write('', () => resolve()));

// `cis490-jobs list | head`: a closed pipe ends the output, not with a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(EXIT.ok);
});

main()
  .catch(report)
  .then(async (code) => {
    await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
    // Idle keep-alive sockets and a progress bar's timer must not hold the exit.
    process.exit(code);
  });
