import { formatIssue, terminalSafe } from '@cis490/contract';
import { NoReceiverAnsweredError, ReceiverError, ReceiverUnreachableError } from '@cis490/client';

export const CLI_NAME = 'cis490-jobs';

/** SPEC §6. */
export const EXIT = { ok: 0, refused: 1, usage: 2, unreachable: 3, interrupted: 130 } as const;

/** A bad command line: unknown command or option, missing argument, bad value. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** An operator command run without CIS490_OPERATOR_TOKEN in the environment. */
export class MissingTokenError extends Error {
  override readonly name = 'MissingTokenError';

  constructor(command: string) {
    super(`${command} needs the operator token: set CIS490_OPERATOR_TOKEN in the environment`);
  }
}

/** Ctrl-C during a command that must clean up after itself (pull). */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
}

/** What commander throws once `exitOverride()` is on (help, version, usage errors). */
interface CommanderErrorLike {
  code: string;
  exitCode: number;
  message: string;
}

const isCommanderError = (e: unknown): e is CommanderErrorLike =>
  typeof e === 'object' &&
  e !== null &&
  typeof (e as CommanderErrorLike).code === 'string' &&
  (e as CommanderErrorLike).code.startsWith('commander.') &&
  typeof (e as CommanderErrorLike).exitCode === 'number';

export interface Failure {
  exitCode: number;
  /** What goes to stderr, one line each; commander has already printed its own. */
  lines: string[];
}

const MATCHES_SHOWN = 10;

/** Maps whatever ended a command to its exit code and its one-line message(s). */
export function describeFailure(err: unknown): Failure {
  if (isCommanderError(err)) {
    if (err.exitCode === 0) return { exitCode: EXIT.ok, lines: [] };
    // `cis490-jobs` with no command: commander's help went nowhere (see CliProgram), say it in one line.
    if (err.code === 'commander.help') {
      return { exitCode: EXIT.usage, lines: [`missing command (see ${CLI_NAME} --help)`] };
    }
    return { exitCode: EXIT.usage, lines: [] };
  }
  if (err instanceof UsageError || err instanceof MissingTokenError) {
    return { exitCode: EXIT.usage, lines: [err.message] };
  }
  if (err instanceof NoReceiverAnsweredError) {
    return {
      exitCode: EXIT.unreachable,
      lines: [`${err.message} (is any of them running? set --receiver or CIS490_RECEIVER_URL to receivers that are)`],
    };
  }
  if (err instanceof ReceiverUnreachableError && err.tls) {
    // The receiver is there; it is the certificates that need the operator's attention.
    return { exitCode: EXIT.unreachable, lines: [err.message] };
  }
  if (err instanceof ReceiverUnreachableError) {
    return {
      exitCode: EXIT.unreachable,
      lines: [`${err.message} (is it running? set --receiver or CIS490_RECEIVER_URL)`],
    };
  }
  if (err instanceof ReceiverError) return { exitCode: EXIT.refused, lines: refusalLines(err) };
  if (err instanceof InterruptedError) return { exitCode: EXIT.interrupted, lines: [err.message] };
  const message = err instanceof Error ? err.message : String(err);
  return { exitCode: EXIT.refused, lines: [message] };
}

function refusalLines(err: ReceiverError): string[] {
  if (err.errors?.length) return err.errors.map(formatIssue);
  let line = err.message;
  const matches = err.matches ?? [];
  if (matches.length && !matches.every((m) => line.includes(m))) {
    const shown = matches.slice(0, MATCHES_SHOWN).join(', ');
    const more = matches.length > MATCHES_SHOWN ? `, and ${matches.length - MATCHES_SHOWN} more` : '';
    line += `; it matches ${shown}${more}`;
  }
  return [line];
}

/** One line, whatever the message held: a stack trace or a multi-line answer never reaches the terminal whole. */
export const oneLine = (s: string): string =>
  // A receiver's message may quote what a worker sent: no escape sequence of it reaches the terminal.
  terminalSafe(s, { multiline: true })
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');

export function printFailure(f: Failure, write: (s: string) => void): void {
  for (const line of f.lines) write(`${CLI_NAME}: ${oneLine(line)}\n`);
}
