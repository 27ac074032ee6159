import { parseReceiverUrls, quoteUnlessCredential, tokenProblem } from '.';

describe('receiver URLs with credentials', () => {
  it.each([
    'http://user:hunter2secret@rx.lab:8471',
    'https://:hunter2secret@rx.lab',
    'http://hunter2secret@rx.lab',
    'http://rx1.lab:8471,http://u:hunter2secret@rx2.lab:8471',
  ])('refuses %s without repeating it', (raw) => {
    let message = '';
    try {
      parseReceiverUrls(raw);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/must not carry a user name or password/);
    expect(message).not.toContain('hunter2secret');
    expect(message.split('\n')).toHaveLength(1);
  });

  it('does not quote a URL that does not parse when it may hold a password', () => {
    expect(() => parseReceiverUrls('http//u:hunter2secret@rx.lab')).toThrow(/must be an http/);
    expect(() => parseReceiverUrls('http//u:hunter2secret@rx.lab')).not.toThrow(/hunter2secret/);
    expect(() => parseReceiverUrls('http://u:hunter2secret@rx.lab:notaport')).not.toThrow(/hunter2secret/);
    // Without an "@" the value is quoted as before: it helps to see what was wrong.
    expect(() => parseReceiverUrls('ftp://rx.lab')).toThrow('"ftp://rx.lab"');
    expect(quoteUnlessCredential('a@b')).not.toContain('a@b');
  });

  it('still takes plain URLs', () => {
    expect(parseReceiverUrls('http://rx.lab:8471/')).toEqual(['http://rx.lab:8471']);
  });
});

describe('tokenProblem', () => {
  it('names the rule and never the token', () => {
    expect(tokenProblem('tok123')).toBe('must be at least 8 characters');
    expect(tokenProblem('tok123 with space')).toMatch(/visible ASCII/);
    expect(tokenProblem('line\nbreak-token')).not.toContain('break-token');
    expect(tokenProblem('a-good-token')).toBeNull();
    expect(tokenProblem('x', 1)).toBeNull();
  });
});
