import { OutputTail } from './output-tail';

describe('OutputTail', () => {
  it('keeps the last maxBytes across chunk boundaries', () => {
    const tail = new OutputTail(10);
    tail.push(Buffer.from('abcdef'));
    tail.push(Buffer.from('ghij'));
    expect(tail.text()).toBe('abcdefghij');
    tail.push(Buffer.from('klm'));
    expect(tail.text()).toBe('defghijklm');
    tail.push(Buffer.from('0123456789ABC'));
    expect(tail.text()).toBe('3456789ABC');
  });

  it('gives the last non-blank lines', () => {
    const tail = new OutputTail(1024);
    tail.push(Buffer.from('one\ntwo\r\n\n  \nthree\nfour\n'));
    expect(tail.lastLines(2)).toEqual(['three', 'four']);
    expect(tail.lastLines(10)).toEqual(['one', 'two', 'three', 'four']);
  });
});
