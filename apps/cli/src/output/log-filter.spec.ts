import { TerminalLogFilter } from './log-filter';

const run = (...pieces: (string | Buffer)[]) => {
  const f = new TerminalLogFilter();
  return pieces.map((p) => f.write(typeof p === 'string' ? Buffer.from(p, 'utf8') : p)).join('') + f.end();
};

describe('TerminalLogFilter', () => {
  it('drops what acts on the terminal and keeps what a log means', () => {
    expect(run('epoch 1\r\x1b[32mok\x1b[0m\tloss 0.4\n')).toBe('epoch 1\r\x1b[32mok\x1b[0m\tloss 0.4\n');
    expect(run('a\x1b]52;c;ZXZpbA==\x07b\x1b]0;pwned\x1b\\c\x1b[2Jd\x1b[?1049he\x07f\x00g')).toBe('abcdefg');
  });

  it('finds a sequence split across pieces, and drops an unfinished one at the end', () => {
    expect(run('a\x1b]0;pw', 'ned\x07b\x1b', '[2Jc', Buffer.from([0xc3]), Buffer.from([0xa9]))).toBe('abcé');
    expect(run('done\x1b]0;never ends')).toBe('done');
  });
});
