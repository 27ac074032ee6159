import { paletteFor } from './colors';

describe('paletteFor', () => {
  it('colours a terminal only, and never with NO_COLOR set', () => {
    expect(paletteFor({ isTTY: true }, {}).red('x')).toBe('\u001b[31mx\u001b[39m');
    expect(paletteFor({ isTTY: false }, {}).red('x')).toBe('x');
    expect(paletteFor({ isTTY: true }, { NO_COLOR: '1' }).red('x')).toBe('x');
    expect(paletteFor({ isTTY: true }, { TERM: 'dumb' }).enabled).toBe(false);
  });
});
