import type { Type } from '@nestjs/common';
import type { TestingModule, TestingModuleBuilder } from '@nestjs/testing';
import { CommandTestFactory } from 'nest-commander-testing';

export interface InProcessRun {
  /** Everything the command wrote to stdout. */
  stdout: string;
  /** What the command threw: main() turns it into the exit code and the stderr line. undefined when it succeeded. */
  failure?: unknown;
  /** What the command set process.exitCode to (restored afterwards: it would be jest's exit code). */
  exitCode?: number | string;
}

export interface InProcessOptions {
  /** e.g. replace a provider (ConfigService) with a test's. */
  override?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
  /** Runs once the commands are registered, before the command line is parsed (e.g. CliProgram.configure()). */
  prepare?: (app: TestingModule) => void;
}

/**
 * One command line of `rootModule`'s program, run in this process through
 * nest-commander's CommandTestFactory: its services are the real ones, the
 * process boundary (exit, stderr) is left to main() and the spawned tests.
 */
export async function runInProcess(rootModule: Type, args: string[], opts: InProcessOptions = {}): Promise<InProcessRun> {
  let failure: unknown;
  const builder = CommandTestFactory.createTestingCommand(
    { imports: [rootModule] },
    {
      serviceErrorHandler: (err) => {
        failure = err;
      },
    },
  );
  const app = await (opts.override ? opts.override(builder) : builder).compile();
  await app.init();
  opts.prepare?.(app);

  const chunks: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  const exitCodeBefore = process.exitCode;
  let exitCode: number | string | undefined;
  try {
    await CommandTestFactory.run(app, args);
  } finally {
    write.mockRestore();
    exitCode = process.exitCode ?? undefined;
    process.exitCode = exitCodeBefore;
  }
  return { stdout: chunks.join(''), failure, exitCode };
}
