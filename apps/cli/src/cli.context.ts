import { Injectable } from '@nestjs/common';
import type { Command } from 'commander';
import { type ClientTls, readClientTls, ReceiverClient, ReceiverClientFactory } from '@cis490/client';
import { DEFAULT_RECEIVER_URL, parseReceiverUrls, tokenProblem } from '@cis490/contract';
import { MissingTokenError, UsageError } from './cli.errors';
import { paletteFor, Palette } from './output/colors';
import { OPERATOR_TOKEN_ENV, RECEIVER_URL_ENV, TLS_CA_ENV, TLS_CERT_ENV, TLS_KEY_ENV } from './receiver/receiver.options';

/** The program-wide options (CliProgram declares them). */
export interface GlobalOptions {
  /** One receiver's URL or several, comma-separated (SPEC §11), as given. */
  receiver: string;
  json: boolean;
  /** Paths, as given (SPEC §12). */
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export interface Session extends GlobalOptions {
  client: ReceiverClient;
  colors: Palette;
  now: number;
}

/** What every command needs: the global options, a client for the receiver, and where output goes. */
@Injectable()
export class CliContext {
  constructor(private readonly clients: ReceiverClientFactory) {}

  globals(command: Command): GlobalOptions {
    const opts = command.optsWithGlobals() as Partial<GlobalOptions>;
    return {
      receiver: opts.receiver || DEFAULT_RECEIVER_URL,
      json: Boolean(opts.json),
      tlsCa: opts.tlsCa || undefined,
      tlsCert: opts.tlsCert || undefined,
      tlsKey: opts.tlsKey || undefined,
    };
  }

  /** `operator`: the command changes the fleet, so it needs the token before anything is sent. */
  session(command: Command, access: { operator?: boolean } = {}): Session {
    const globals = this.globals(command);
    let operatorToken: string | undefined;
    if (access.operator) {
      operatorToken = process.env[OPERATOR_TOKEN_ENV];
      if (!operatorToken) throw new MissingTokenError(command.name());
      // One that cannot travel in a header would make fetch throw a message quoting it.
      const problem = tokenProblem(operatorToken, 1);
      if (problem) throw new UsageError(`${OPERATOR_TOKEN_ENV} ${problem}`);
    }
    let receivers: string[];
    try {
      receivers = parseReceiverUrls(globals.receiver);
    } catch (err) {
      // Named as the operator gave it: the variable, when the flag was not on the command line.
      const setting = command.getOptionValueSourceWithGlobals('receiver') === 'env' ? RECEIVER_URL_ENV : '--receiver';
      throw new UsageError(`${setting} ${(err as Error).message}`);
    }
    const client = this.clients.create({ baseUrl: receivers, operatorToken, retry: false, tls: this.tls(command, globals) });
    return { ...globals, client, colors: paletteFor(process.stdout, process.env), now: Date.now() };
  }

  /** The TLS files read and checked; a bad one is a usage error naming the flag or variable it came from. */
  private tls(command: Command, globals: GlobalOptions): ClientTls | undefined {
    const named = (option: string, flag: string, variable: string) => {
      const source = command.getOptionValueSourceWithGlobals(option);
      return source === 'env' ? variable : source === 'cli' ? flag : `${variable} (or ${flag})`;
    };
    try {
      return readClientTls(
        { ca: globals.tlsCa, cert: globals.tlsCert, key: globals.tlsKey },
        {
          ca: named('tlsCa', '--tls-ca', TLS_CA_ENV),
          cert: named('tlsCert', '--tls-cert', TLS_CERT_ENV),
          key: named('tlsKey', '--tls-key', TLS_KEY_ENV),
        },
      );
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }

  print(text: string): void {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** The receiver's answer as it came, for scripts (`jq`). */
  printJson(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }
}
