import { Injectable } from '@nestjs/common';
import type { Command } from 'commander';
import { InjectCommander } from 'nest-commander';
import { DEFAULT_RECEIVER_URL } from '@cis490/contract';
import { CLI_NAME, oneLine } from './cli.errors';
import { OPERATOR_TOKEN_ENV, RECEIVER_URL_ENV, TLS_CA_ENV, TLS_CERT_ENV, TLS_KEY_ENV } from './receiver/receiver.options';
import { VERSION } from './version';

const DESCRIPTION = 'Operate a cis490 training fleet: see the queue, read and follow logs, watch it live, rank results, cancel and requeue jobs, reload the manifest, pull bundles.';

const EPILOG = `
Environment:
  ${RECEIVER_URL_ENV}     the receiver (default ${DEFAULT_RECEIVER_URL}), or several comma-separated,
                          tried in turn when one does not answer; --receiver overrides it
  ${OPERATOR_TOKEN_ENV}   needed by cancel, requeue and reload (never taken from the command line)
  ${TLS_CA_ENV}          a CA to trust for an https receiver, besides the system's; --tls-ca
  ${TLS_CERT_ENV}        the client certificate a receiver with mTLS requires; --tls-cert
  ${TLS_KEY_ENV}         its private key; --tls-key

Exit codes: 0 ok, 1 the receiver refused, 2 usage error or missing token, 3 receiver unreachable.

Examples:
  $ ${CLI_NAME} status
  $ ${CLI_NAME} list --status failed
  $ ${CLI_NAME} --receiver http://lab-receiver:8471 show 3f2a9c1d`;

/**
 * The program commander builds from the @Command classes, made to behave like one tool:
 * global options, --version, and usage errors that come back to main() as exceptions
 * (printed on one line) instead of calling process.exit from inside commander.
 */
@Injectable()
export class CliProgram {
  constructor(@InjectCommander() private readonly program: Command) {}

  configure(): Command {
    const program = this.program;
    program
      .name(CLI_NAME)
      .description(DESCRIPTION)
      .version(VERSION, '-V, --version', 'print the version')
      .addOption(
        program
          .createOption('--receiver <urls>', 'the receiver\'s base URL, or several comma-separated (tried in turn)')
          .env(RECEIVER_URL_ENV)
          .default(DEFAULT_RECEIVER_URL),
      )
      .addOption(program.createOption('--tls-ca <file>', "a CA to trust for the receiver's certificate").env(TLS_CA_ENV))
      .addOption(program.createOption('--tls-cert <file>', 'client certificate, for a receiver that requires one (mTLS)').env(TLS_CERT_ENV))
      .addOption(program.createOption('--tls-key <file>', "the client certificate's private key").env(TLS_KEY_ENV))
      .option('--json', 'print the receiver\'s JSON answer instead of a table')
      .addHelpText('after', EPILOG)
      .showSuggestionAfterError(true);
    program.addHelpCommand('help [command]', 'show help for a command');

    for (const cmd of [program, ...program.commands]) {
      cmd.exitOverride();
      cmd.helpOption('-h, --help', 'show help');
      cmd.configureHelp({ showGlobalOptions: true, sortOptions: false });
      cmd.configureOutput({
        // commander's "error: …" and its "(Did you mean …?)" on a second line become one line.
        outputError: (str) => process.stderr.write(`${CLI_NAME}: ${oneLine(str.replace(/^error: /, ''))}\n`),
        // Only help shown *because of* an error goes here (a bare `cis490-jobs`): main() says it in one line.
        writeErr: () => undefined,
      });
      if (cmd !== program) cmd.allowExcessArguments(false);
    }
    return program;
  }
}
