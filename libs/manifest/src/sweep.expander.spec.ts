import { describePoint, expandSweep, sweepSize } from './sweep.expander';

describe('expandSweep', () => {
  const axes = [
    { key: 'lr', values: [0.1, 0.01] },
    { key: 'hidden', values: [32] },
    { key: 'act', values: ['relu', 'tanh'] },
  ];

  it('varies modes slowest, then seeds, then axes sorted by key, the last fastest', () => {
    const points = expandSweep(['a', 'b'], [0, 1], axes);
    expect(points.map((p) => `${p.mode}${p.seed} ${p.hyper.act} ${p.hyper.lr}`)).toEqual([
      'a0 relu 0.1', 'a0 relu 0.01', 'a0 tanh 0.1', 'a0 tanh 0.01',
      'a1 relu 0.1', 'a1 relu 0.01', 'a1 tanh 0.1', 'a1 tanh 0.01',
      'b0 relu 0.1', 'b0 relu 0.01', 'b0 tanh 0.1', 'b0 tanh 0.01',
      'b1 relu 0.1', 'b1 relu 0.01', 'b1 tanh 0.1', 'b1 tanh 0.01',
    ]);
  });

  it('keeps the manifest’s hyper key order in each point', () => {
    const [first] = expandSweep(['a'], [0], axes);
    expect(Object.keys(first.hyper)).toEqual(['lr', 'hidden', 'act']);
    expect(first.hyper).toEqual({ lr: 0.1, hidden: 32, act: 'relu' });
  });

  it('yields one point without hyper axes', () => {
    expect(expandSweep(['a'], [7], [])).toEqual([{ mode: 'a', seed: 7, hyper: {} }]);
  });

  it('counts the product', () => {
    expect(sweepSize(['a', 'b'], [0, 1, 2], axes)).toBe(24);
    expect(expandSweep(['a', 'b'], [0, 1, 2], axes)).toHaveLength(24);
  });
});

describe('describePoint', () => {
  it('names mode, seed and the axes that vary', () => {
    const axes = [
      { key: 'lr', values: [0.1, 0.01] },
      { key: 'hidden', values: [32] },
    ];
    expect(describePoint({ mode: 'a', seed: 2, hyper: { lr: 0.01, hidden: 32 } }, axes)).toBe('mode=a, seed=2, lr=0.01');
  });
});
