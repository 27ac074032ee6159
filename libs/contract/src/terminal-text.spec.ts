import { terminalSafe, terminalSafeDeep } from '.';

const ESC = '\x1b';
const BEL = '\x07';

describe('terminalSafe', () => {
  it('removes CSI, OSC and other escape sequences whole', () => {
    expect(terminalSafe(`boom${ESC}[2J${ESC}[1;31mred${ESC}[0m`)).toBe('boomred');
    expect(terminalSafe(`a${ESC}]52;c;ZXZpbA==${BEL}b`)).toBe('ab');
    expect(terminalSafe(`a${ESC}]0;owned${ESC}\\b`)).toBe('ab');
    expect(terminalSafe(`host${ESC}]0;title never ends`)).toBe('host');
    expect(terminalSafe(`a${ESC}Pdcs${ESC}\\b${ESC}cc`)).toBe('abc');
    expect(terminalSafe('a\x9b2Jb\x9d0;t\x9cc')).toBe('abc');
  });

  it('removes C0 and C1 controls; keeps lines and tabs only when asked', () => {
    expect(terminalSafe('a\rb\x00c\x7fd\x85e')).toBe('abcde');
    expect(terminalSafe('one\ntwo\tthree')).toBe('one two three');
    expect(terminalSafe('one\r\ntwo\tthree', { multiline: true })).toBe('one\ntwo\tthree');
  });

  it('leaves ordinary text alone, Unicode included', () => {
    expect(terminalSafe('loss 0.41 — 95 % done ✓ 日本')).toBe('loss 0.41 — 95 % done ✓ 日本');
  });

  it('cleans every string and key of an answer, leaving other values as they are', () => {
    const job = { error: `x${ESC}[2J\ny`, attempts: 2, hyper: { [`k${ESC}[1m`]: 'v' }, tags: [`${ESC}]0;t${BEL}ok`], none: null };
    expect(terminalSafeDeep(job)).toEqual({ error: 'x\ny', attempts: 2, hyper: { k: 'v' }, tags: ['ok'], none: null });
  });
});
