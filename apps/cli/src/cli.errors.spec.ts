import { NoReceiverAnsweredError, ReceiverError, ReceiverUnreachableError } from '@cis490/client';
import { describeFailure, EXIT, MissingTokenError, oneLine, UsageError } from './cli.errors';

describe('describeFailure', () => {
  it('maps each kind of failure to its exit code (SPEC §6)', () => {
    const refusal = new ReceiverError(409, 'Conflict', { statusCode: 409, error: 'Conflict', message: 'job is running' });
    expect(describeFailure(refusal)).toEqual({ exitCode: EXIT.refused, lines: ['409 Conflict: job is running'] });
    expect(describeFailure(new UsageError('--limit: bad')).exitCode).toBe(EXIT.usage);
    expect(describeFailure(new MissingTokenError('reload'))).toEqual({
      exitCode: EXIT.usage,
      lines: ['reload needs the operator token: set CIS490_OPERATOR_TOKEN in the environment'],
    });
    const unreachable = describeFailure(new ReceiverUnreachableError('http://rx:8471', 'connect ECONNREFUSED 10.0.0.1:8471'));
    expect(unreachable.exitCode).toBe(EXIT.unreachable);
    expect(unreachable.lines[0]).toMatch(/^cannot reach receiver at http:\/\/rx:8471: connect ECONNREFUSED .*CIS490_RECEIVER_URL\)$/);
  });

  it('names every receiver tried when none of a list answered, and what to do', () => {
    const none = new NoReceiverAnsweredError([
      { url: 'http://rx1:8471', error: new ReceiverUnreachableError('http://rx1:8471', 'connect ECONNREFUSED 10.0.0.1:8471') },
      { url: 'http://rx2:8471', error: new ReceiverError(502, 'Bad Gateway', '<html>') },
    ]);
    expect(describeFailure(none)).toEqual({
      exitCode: EXIT.unreachable,
      lines: [
        'no receiver answered: http://rx1:8471 (connect ECONNREFUSED 10.0.0.1:8471); http://rx2:8471 (502 Bad Gateway: <html>) ' +
          '(is any of them running? set --receiver or CIS490_RECEIVER_URL to receivers that are)',
      ],
    });
  });

  it('leaves commander\'s own usage messages to commander, and says "missing command" in one line', () => {
    const commander = (code: string, exitCode: number) => Object.assign(new Error('x'), { code, exitCode });
    expect(describeFailure(commander('commander.unknownOption', 1))).toEqual({ exitCode: EXIT.usage, lines: [] });
    expect(describeFailure(commander('commander.helpDisplayed', 0))).toEqual({ exitCode: EXIT.ok, lines: [] });
    expect(describeFailure(commander('commander.help', 1)).lines).toEqual(['missing command (see cis490-jobs --help)']);
  });

  it('lists the matches of an ambiguous prefix, and each manifest error on its own line', () => {
    const ids = ['3f2a9c1d00aa', '3f2a9c1d00bb'];
    const ambiguous = new ReceiverError(409, 'Conflict', {
      statusCode: 409,
      error: 'Conflict',
      message: 'job id prefix 3f2a9c1d is ambiguous',
      matches: ids,
    });
    expect(describeFailure(ambiguous).lines).toEqual([
      `409 Conflict: job id prefix 3f2a9c1d is ambiguous; it matches ${ids.join(', ')}`,
    ]);

    const rejected = new ReceiverError(422, 'Unprocessable Entity', {
      message: 'manifest has 2 errors; nothing changed',
      errors: [
        { path: 'jobs[3].min_vram_gib', message: 'must be >= 0' },
        { path: '', message: 'invalid TOML: bad value', line: 12, column: 7 },
      ],
    });
    expect(describeFailure(rejected)).toEqual({
      exitCode: EXIT.refused,
      lines: ['jobs[3].min_vram_gib: must be >= 0', '12:7: invalid TOML: bad value'],
    });
  });

  it('never lets a multi-line message out as more than one line', () => {
    expect(oneLine('error: unknown command \'lst\'\n(Did you mean list?)\n')).toBe(
      'error: unknown command \'lst\' (Did you mean list?)',
    );
  });
});
